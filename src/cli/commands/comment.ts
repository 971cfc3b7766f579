/**
 * `backflow comment FILE`: posts the output of `plan --format markdown` on the pull request (GitHub
 * Actions) or merge request (GitLab CI) that the CI job runs for. FILE holds one comment per workspace (a
 * cdktf app's stacks each have their own), each starting with its hidden marker line; each updates the
 * comment that starts with the same marker, or is added when there is none. Comments by people (quoting
 * a plan) are never touched: on GitHub only a bot's comments are updated, on GitLab only notes written
 * with the same token's user. No dependency: the REST APIs through Node's fetch.
 */
import { readFileSync } from 'node:fs';
import { githubPullRequest } from '../ci-context';
import { UserError } from '../../errors';
import { BACKFLOW_VERSION } from '../../version';

export interface CommentFlags {
  platform?: string;
  pr?: string;
}

/** A comment to post, keyed by its first line (the marker). */
export interface PlanComment {
  marker: string;
  body: string;
}

const PER_PAGE = 100;
const MARKER = '<!-- backflow-plan -->';

/** The fields read of a GitHub issue comment or a GitLab note. */
interface ApiComment {
  id: number;
  body?: unknown;
  system?: boolean;
  user?: { type?: string };
  author?: { id?: number };
}

/** The documents of a `plan --format markdown` output, split at each marker line. */
export function splitComments(text: string): PlanComment[] {
  const out: PlanComment[] = [];
  for (const line of text.split('\n')) {
    if (/^<!-- backflow-plan( workspace=[A-Za-z0-9_.-]+)? -->$/.test(line))
      out.push({ marker: line, body: line });
    else if (out.length > 0) out[out.length - 1].body += '\n' + line;
  }
  for (const c of out) c.body = c.body.trimEnd() + '\n';
  return out;
}

export async function commentCommand(file: string, flags: CommentFlags, env = process.env): Promise<number> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      'Pass the file that `backflow plan --format markdown > FILE` wrote.',
    );
  }
  const comments = splitComments(text);
  if (comments.length === 0)
    throw new UserError(
      `${file} holds no Backflow plan comment (no "<!-- backflow-plan -->" line)`,
      'Write it with `backflow plan --format markdown > FILE`: it prints a comment even when the plan fails.',
    );
  const platform =
    flags.platform ??
    (env.GITHUB_ACTIONS === 'true' ? 'github' : env.GITLAB_CI === 'true' ? 'gitlab' : undefined);
  const target =
    platform === 'github' ? github(env, flags.pr) : platform === 'gitlab' ? gitlab(env, flags.pr) : undefined;
  if (target === undefined)
    throw new UserError(
      platform === undefined
        ? 'Not running in GitHub Actions or GitLab CI'
        : `Unknown --platform "${platform}"`,
      'Use --platform github or --platform gitlab.',
    );
  const existing = await target.list();
  const isPlan = (body: string) =>
    /^<!-- backflow-plan( workspace=[A-Za-z0-9_.-]+)? -->$/.test(body.split('\n', 1)[0]);
  // A plan that failed before any stack was known (the app does not build, a stack's config is invalid)
  // replaces every stack's comment, so none goes on showing a plan older than the error.
  const single = comments.length === 1 && comments[0].marker === MARKER;
  const stacks = existing.filter((e) => isPlan(e.body) && !e.body.startsWith(MARKER + '\n'));
  if (single && stacks.length > 0 && !existing.some((e) => e.body.startsWith(MARKER + '\n'))) {
    for (const e of stacks) {
      const marker = e.body.split('\n', 1)[0];
      await target.update(e.id, marker + comments[0].body.slice(MARKER.length));
      process.stdout.write(`Updated comment ${e.id} (${/workspace=([^ ]+)/.exec(marker)![1]})\n`);
    }
    return 0;
  }
  for (const c of comments) {
    const previous = existing.find((e) => e.body.split('\n', 1)[0].trimEnd() === c.marker);
    const what = c.marker === MARKER ? '' : ` (${/workspace=([^ ]+)/.exec(c.marker)![1]})`;
    if (previous !== undefined) {
      await target.update(previous.id, c.body);
      process.stdout.write(`Updated comment ${previous.id}${what}\n`);
    } else {
      const id = await target.create(c.body);
      process.stdout.write(`Added comment ${id}${what}\n`);
    }
  }
  return 0;
}

interface Target {
  /** The pull request's comments that Backflow may update. */
  list(): Promise<{ id: number; body: string }[]>;
  update(id: number, body: string): Promise<void>;
  create(body: string): Promise<number>;
}

function need(env: NodeJS.ProcessEnv, names: string[], why: string): string[] {
  const missing = names.filter((n) => !env[n]);
  if (missing.length > 0)
    throw new UserError(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`, why);
  return names.map((n) => env[n]!);
}

function github(env: NodeJS.ProcessEnv, pr: string | undefined): Target {
  const [token, repo] = need(
    env,
    ['GITHUB_TOKEN', 'GITHUB_REPOSITORY'],
    'Give the step `env: { GITHUB_TOKEN: ${{ github.token }} }` and `permissions: { pull-requests: write }`.',
  );
  const api = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, '');
  const number = pr ?? githubPullRequest(env.GITHUB_EVENT_PATH).number;
  if (number === undefined || !/^\d+$/.test(number))
    throw new UserError(
      'No pull request to comment on: this run was not started by a pull request',
      'Run `backflow comment` in a workflow triggered by `pull_request`, or pass --pr NUMBER.',
    );
  const headers = {
    Authorization: `Bearer ${token}`,
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
    'User-Agent': `backflow/${BACKFLOW_VERSION}`,
  };
  const issue = `${api}/repos/${repo}/issues`;
  return {
    async list() {
      const out: { id: number; body: string }[] = [];
      for (let page = 1; ; page++) {
        const list = (await call(
          'GET',
          `${issue}/${number}/comments?per_page=${PER_PAGE}&page=${page}`,
          headers,
        )) as ApiComment[];
        for (const c of list)
          if (c?.user?.type === 'Bot' && typeof c.body === 'string') out.push({ id: c.id, body: c.body });
        if (list.length < PER_PAGE) return out;
      }
    },
    async update(id, body) {
      await call('PATCH', `${issue}/comments/${id}`, headers, { body });
    },
    async create(body) {
      return ((await call('POST', `${issue}/${number}/comments`, headers, { body })) as { id: number }).id;
    },
  };
}

function gitlab(env: NodeJS.ProcessEnv, mr: string | undefined): Target {
  const [api, project, token] = need(
    env,
    ['CI_API_V4_URL', 'CI_PROJECT_ID', 'GITLAB_API_TOKEN'],
    'GITLAB_API_TOKEN is a project access token with the `api` scope, as a masked CI/CD variable.',
  );
  const iid = mr ?? env.CI_MERGE_REQUEST_IID;
  if (iid === undefined || !/^\d+$/.test(iid))
    throw new UserError(
      'No merge request to comment on: this pipeline was not started by a merge request',
      'Run `backflow comment` in a job with `rules: - if: $CI_PIPELINE_SOURCE == "merge_request_event"`, or pass --pr IID.',
    );
  const headers = { 'PRIVATE-TOKEN': token };
  const notes = `${api.replace(/\/$/, '')}/projects/${encodeURIComponent(project)}/merge_requests/${iid}/notes`;
  return {
    async list() {
      const me = (await call('GET', `${api.replace(/\/$/, '')}/user`, headers)) as { id: number };
      const out: { id: number; body: string }[] = [];
      for (let page = 1; ; page++) {
        const list = (await call(
          'GET',
          `${notes}?sort=asc&order_by=created_at&per_page=${PER_PAGE}&page=${page}`,
          headers,
        )) as ApiComment[];
        for (const n of list)
          if (!n.system && n?.author?.id === me.id && typeof n.body === 'string')
            out.push({ id: n.id, body: n.body });
        if (list.length < PER_PAGE) return out;
      }
    },
    async update(id, body) {
      await call('PUT', `${notes}/${id}`, headers, { body });
    },
    async create(body) {
      return ((await call('POST', notes, headers, { body })) as { id: number }).id;
    },
  };
}

async function call(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new UserError(
      `${method} ${url} failed: ${(err as Error).message}`,
      'Check the API URL and the network.',
    );
  }
  if (!res.ok) {
    const text = (await res.text()).slice(0, 300).replace(/\s+/g, ' ');
    throw new UserError(
      `${method} ${url}: HTTP ${res.status} ${text}`,
      res.status === 401 || res.status === 403 || res.status === 404
        ? 'Check the token and its permission to write comments on pull (merge) requests.'
        : 'Try the job again; the comment is updated in place, never duplicated.',
    );
  }
  return res.json();
}
