/**
 * The CI examples in examples/github-actions and examples/gitlab-ci, run as written against a cdktf app
 * with two stacks: every `run:` step (every GitLab `script:`) goes through bash with `npx backflow`
 * pointing at this checkout, against loopback stand-ins for the GitHub and GitLab REST APIs that record
 * each comment created or updated. The `uses:` steps are played by the test: checkout is the work folder,
 * setup-node and `npm ci` are this checkout's, upload/download-artifact copy files through a folder.
 * What must hold: one comment per stack, updated in place, naming the commit, the run and the workspace;
 * exit code 2 never fails a job; apply on merge applies exactly the reviewed plan and refuses a stale one.
 */
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { markdownMarker } from '../../src/render/markdown';
import { BIN, ROOT, cliEnv, runCli } from '../helpers/cli';
import { writeConfig } from '../helpers/workspace';

const execFileAsync = promisify(execFile);
const EXAMPLES = join(ROOT, 'examples');
const read = (path: string): any => parse(readFileSync(join(EXAMPLES, path), 'utf8'));
const githubPlan = read('github-actions/plan.yml');
const githubApply = read('github-actions/apply.yml');
const gitlab = read('gitlab-ci/.gitlab-ci.yml');

/** A recording stand-in for a REST API: `routes` answer `METHOD /path` (query kept apart). */
async function fakeApi(
  routes: (method: string, path: string, query: URLSearchParams, body: any) => unknown,
): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      const u = new URL(req.url!, 'http://x');
      const auth = String(req.headers.authorization ?? req.headers['private-token'] ?? '');
      requests.push(`${req.method} ${u.pathname}${u.search} ${auth}`);
      try {
        const out = routes(req.method!, u.pathname, u.searchParams, text ? JSON.parse(text) : undefined);
        if (out === undefined) {
          res.statusCode = 404;
          res.end('{"message":"Not Found"}');
        } else if (Buffer.isBuffer(out)) {
          res.setHeader('content-type', 'application/zip');
          res.end(out);
        } else {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(out));
        }
      } catch (err) {
        res.statusCode = 500;
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The cdktf app: one webhook destination per stack, read from stacks.json (what a commit changes). */
function writeApp(dir: string): void {
  writeFileSync(
    join(dir, 'app.js'),
    `const { App, TerraformStack } = require(${JSON.stringify(join(ROOT, 'node_modules', 'cdktf'))});
const { Destination, Secret } = require(${JSON.stringify(join(ROOT, 'dist', 'constructs'))});
const stacks = JSON.parse(require('fs').readFileSync('stacks.json', 'utf8'));
const app = new App({ skipValidation: true });
for (const [name, s] of Object.entries(stacks)) {
  const stack = new TerraformStack(app, name);
  for (const [id, url] of Object.entries(s))
    new Destination(stack, id, { type: 'webhook', url, headers: { Authorization: Secret.env('CRM_TOKEN') } });
}
app.synth();
`,
  );
  writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ language: 'javascript', app: 'node app.js' }));
}

function commit(dir: string, stacks: Record<string, Record<string, unknown>>): void {
  writeFileSync(join(dir, 'stacks.json'), JSON.stringify(stacks));
}

/** `${{ … }}` in a step's `env:` or `with:`, from what this run knows; anything else fails the test. */
function expr(value: unknown, known: Record<string, string>): string {
  return String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => {
    if (e.startsWith('secrets.')) return known[e] ?? '';
    if (!(e in known)) throw new Error(`the test does not know \${{ ${e} }}`);
    return known[e];
  });
}

/** A step's `if:`, for the forms the examples use: always(), steps.ID.outputs.NAME, ==, !=, &&, ||. */
function condition(
  text: string | undefined,
  outputs: Record<string, Record<string, string>>,
  failed: boolean,
): boolean {
  if (text === undefined) return !failed;
  const js = text
    .replace(/always\(\)/g, 'true')
    .replace(/steps\.([\w-]+)\.outputs\.([\w-]+)/g, (_, s, o) => JSON.stringify(outputs[s]?.[o] ?? ''))
    .replace(/github\.event\.pull_request\.merged/g, 'true')
    .replace(/==/g, '===')
    .replace(/!=/g, '!==')
    .replace(/!===/g, '!==');
  const ok = new Function(`return (${js});`)() as boolean;
  return text.includes('always()') ? ok : ok && !failed;
}

interface JobRun {
  failed: boolean;
  outputs: Record<string, Record<string, string>>;
  logs: string;
}

/** Every shell script of the three files. */
function scripts(): string[] {
  const steps = [githubPlan, githubApply].flatMap((w) =>
    Object.values(w.jobs).flatMap((job: any) => job.steps as any[]),
  );
  const jobs = Object.values(gitlab).filter((v: any) => v && typeof v === 'object' && 'script' in v);
  return [
    ...steps.filter((s) => typeof s.run === 'string').map((s) => s.run as string),
    ...jobs.flatMap((job: any) => job.script as string[]),
  ];
}

it('the examples run only backflow commands and flags that exist', async () => {
  const used: { command: string; flags: string[] }[] = [];
  for (const line of scripts().flatMap((s) => s.split('\n'))) {
    const m = /npx backflow ([^>|;&]*)/.exec(line);
    if (!m) continue;
    const words = m[1].trim().split(/\s+/);
    used.push({
      command: words[0],
      flags: words.filter((w) => w.startsWith('-')).map((w) => w.split('=')[0]),
    });
  }
  expect(used.map((u) => u.command).sort()).toEqual(['apply', 'apply', 'comment', 'comment', 'plan', 'plan']);
  for (const { command, flags } of used) {
    const help = await runCli([command, '--help'], { cwd: ROOT });
    expect(help.code).toBe(0);
    for (const flag of flags)
      expect({ command, flag, known: help.stdout.includes(flag) }).toEqual({ command, flag, known: true });
  }
});

it('backflow comment: bad input and refused requests are clear errors, exit 1, the token never shown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'backflow-comment-'));
  writeFileSync(join(dir, 'plan.md'), `${markdownMarker()}\n## Backflow plan\n`);
  writeFileSync(join(dir, 'other.md'), 'no marker here\n');
  const token = 'ghs_secret_token_for_errors';
  const api = await fakeApi(() => undefined); // 404 for everything: a token that may not see the repository
  const none = { GITHUB_ACTIONS: '', GITLAB_CI: '' };
  const gh = { ...none, GITHUB_TOKEN: token, GITHUB_REPOSITORY: 'acme/analytics', GITHUB_API_URL: api.url };
  const cases: { args: string[]; env: Record<string, string>; error: string; hint: string }[] = [
    {
      args: ['plan.md'],
      env: none,
      error: 'Not running in GitHub Actions or GitLab CI',
      hint: '--platform github',
    },
    {
      args: ['missing.md', '--platform', 'github'],
      env: none,
      error: 'missing.md cannot be read (ENOENT)',
      hint: 'backflow plan --format markdown > FILE',
    },
    {
      args: ['other.md', '--platform', 'github'],
      env: none,
      error: 'other.md holds no Backflow plan comment',
      hint: 'backflow plan --format markdown > FILE',
    },
    {
      args: ['plan.md', '--platform', 'github'],
      env: none,
      error: 'GITHUB_TOKEN, GITHUB_REPOSITORY are not set',
      hint: 'pull-requests: write',
    },
    {
      args: ['plan.md', '--platform', 'github'],
      env: gh,
      error: 'No pull request to comment on',
      hint: '--pr NUMBER',
    },
    {
      args: ['plan.md', '--platform', 'github', '--pr', '7'],
      env: gh,
      error: `GET ${api.url}/repos/acme/analytics/issues/7/comments?per_page=100&page=1: HTTP 404`,
      hint: 'Check the token',
    },
    {
      args: ['plan.md', '--platform', 'gitlab'],
      env: { ...none, GITLAB_API_TOKEN: token },
      error: 'CI_API_V4_URL, CI_PROJECT_ID are not set',
      hint: 'GITLAB_API_TOKEN',
    },
    {
      args: ['plan.md', '--platform', 'bitbucket'],
      env: none,
      error: 'Unknown --platform "bitbucket"',
      hint: '--platform gitlab',
    },
  ];
  try {
    for (const c of cases) {
      const r = await runCli(['comment', ...c.args], { cwd: dir, env: c.env });
      expect({
        ...c,
        code: r.code,
        error: r.stderr.includes(`Error: ${c.error}`),
        hint: r.stderr.includes(c.hint),
      }).toEqual({
        ...c,
        code: 1,
        error: true,
        hint: true,
      });
      expect(r.stderr + r.stdout).not.toContain(token);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  } finally {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('CI examples, run against a two-stack cdktf app', () => {
  let work: string;
  let bin: string;
  const token = 'ghs_test_token_0123456789';

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'backflow-ci-'));
    bin = join(work, 'bin');
    mkdirSync(bin);
    // `npx backflow` is this checkout's CLI. With DIE_AFTER_PLAN=CODE, a plan exits CODE once it has run
    // (what a job sees when the runner kills it: 137 for SIGKILL, 143 for SIGTERM).
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/sh
[ "$1" = backflow ] || { echo "npx: unexpected $*" >&2; exit 127; }
shift
if [ -n "$DIE_AFTER_PLAN" ] && [ "$1" = plan ]; then "${process.execPath}" "${BIN}" "$@"; exit "$DIE_AFTER_PLAN"; fi
exec "${process.execPath}" "${BIN}" "$@"
`,
    );
    chmodSync(join(bin, 'npx'), 0o755);
  });

  /**
   * A GitHub repository NAME in the work folder, with loopback issue-comment and workflow-run APIs, and
   * `job()` running one job of a workflow in it the way Actions does.
   */
  async function githubRepo(name: string) {
    const repo = join(work, name);
    mkdirSync(repo);
    const artifacts = join(work, `${name}-artifacts`);
    // The API: issue comments, and the plan workflow's successful runs by head commit.
    const comments: { id: number; user: { type: string }; body: string }[] = [
      { id: 1, user: { type: 'User' }, body: `${markdownMarker('production')}\nquoted by a person` },
    ];
    const planRuns: { id: number; head_sha: string }[] = [];
    let nextId = 100;
    const api = await fakeApi((method, path, query, body) => {
      if (method === 'GET' && path === '/repos/acme/analytics/issues/7/comments')
        return query.get('page') === '1' ? comments : [];
      if (method === 'POST' && path === '/repos/acme/analytics/issues/7/comments') {
        const c = { id: nextId++, user: { type: 'Bot' }, body: body.body };
        comments.push(c);
        return c;
      }
      const m = /^\/repos\/acme\/analytics\/issues\/comments\/(\d+)$/.exec(path);
      if (method === 'PATCH' && m) {
        const c = comments.find((x) => x.id === Number(m[1]))!;
        c.body = body.body;
        return c;
      }
      if (method === 'GET' && path === '/repos/acme/analytics/actions/workflows/backflow-plan.yml/runs') {
        expect(query.get('status')).toBe('success');
        return { workflow_runs: planRuns.filter((r) => r.head_sha === query.get('head_sha')).reverse() };
      }
      return undefined;
    });

    let runId = 5000;
    /** Runs one job of a workflow the way Actions does; returns whether it failed, and its outputs. */
    async function job(
      workflow: any,
      name: string,
      sha: string,
      dir: string,
      extraEnv: Record<string, string> = {},
    ): Promise<JobRun> {
      const id = ++runId;
      const event = join(work, `event-${id}.json`);
      writeFileSync(event, JSON.stringify({ pull_request: { number: 7, head: { sha }, merged: true } }));
      const known: Record<string, string> = {
        'github.token': token,
        'github.event.pull_request.head.sha': sha,
        'github.event.pull_request.merge_commit_sha': sha,
        'github.event.pull_request.number': '7',
        'secrets.CRM_TOKEN': 'tok-ci-secret-value',
      };
      const spec = workflow.jobs[name];
      const jobEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries(spec.env ?? {})) jobEnv[k] = expr(v, known);
      const outputs: Record<string, Record<string, string>> = {};
      let failed = false;
      let logs = '';
      for (const step of spec.steps as any[]) {
        if (!condition(step.if, outputs, failed)) continue;
        for (const [sid, o] of Object.entries(outputs))
          for (const [k, v] of Object.entries(o)) known[`steps.${sid}.outputs.${k}`] = v;
        const withs: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) withs[k] = expr(v, known);
        if (step.uses?.startsWith('actions/checkout@') || step.uses?.startsWith('actions/setup-node@'))
          continue;
        if (step.run === 'npm ci') continue;
        if (step.uses?.startsWith('actions/upload-artifact@')) {
          const glob = new RegExp('^' + withs.path.replace(/\./g, '\\.').replace(/\*/g, '[^/]*') + '$');
          const files = readdirSync(dir).filter((f) => glob.test(f));
          if (files.length === 0 && withs['if-no-files-found'] === 'error') failed = true;
          const into = join(artifacts, String(id), withs.name);
          mkdirSync(into, { recursive: true });
          for (const f of files) copyFileSync(join(dir, f), join(into, f));
          planRuns.push({ id, head_sha: sha });
          continue;
        }
        if (step.uses?.startsWith('actions/download-artifact@')) {
          expect(withs['github-token']).toBe(token);
          const from = join(artifacts, withs['run-id'], withs.name);
          if (!existsSync(from)) {
            failed = true;
            continue;
          }
          for (const f of readdirSync(from)) copyFileSync(join(from, f), join(dir, f));
          continue;
        }
        if (step.uses !== undefined) throw new Error(`the test does not play ${step.uses}`);
        const output = join(work, `output-${id}-${step.id ?? 'x'}`);
        writeFileSync(output, '');
        const stepEnv: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = expr(v, known);
        const env = cliEnv({
          PATH: `${bin}:${process.env.PATH}`,
          GITHUB_ACTIONS: 'true',
          GITHUB_API_URL: api.url,
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'acme/analytics',
          GITHUB_RUN_ID: String(id),
          GITHUB_SHA: 'f'.repeat(40), // the test merge commit, which the comment must not name
          GITHUB_EVENT_PATH: event,
          GITHUB_OUTPUT: output,
          ...jobEnv,
          ...stepEnv,
          ...extraEnv,
        });
        // Actions runs `run:` with `bash -e {0}`.
        const r = await execFileAsync('bash', ['-e', '-c', step.run], { cwd: dir, env }).then(
          (x) => ({ code: 0, out: x.stdout + x.stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            out: e.stdout + e.stderr,
          }),
        );
        logs += r.out;
        if (r.code !== 0) failed = true;
        if (step.id !== undefined)
          outputs[step.id] = Object.fromEntries(
            readFileSync(output, 'utf8')
              .split('\n')
              .filter((l) => l.includes('='))
              .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
          );
      }
      return { failed, outputs, logs };
    }
    const ours = () => comments.filter((c) => c.user.type === 'Bot');
    const of = (stack: string) => ours().find((c) => c.body.startsWith(markdownMarker(stack) + '\n'))!;
    return { repo, artifacts, comments, planRuns, api, job, ours, of, lastRun: () => runId };
  }

  it('GitHub: a comment per stack updated in place, the reviewed plan applied on merge, a stale one refused', async () => {
    const { repo, artifacts, comments, planRuns, api, job, ours, of, lastRun } = await githubRepo('gh');
    writeApp(repo);
    const shaA = 'a'.repeat(40);
    const shaB = 'b'.repeat(40);
    const shaC = 'c'.repeat(40);
    const shaD = 'd'.repeat(40);
    const shaE = 'e'.repeat(40);

    try {
      // First push: changes in both stacks (exit 2), which is not a failure; one comment per stack.
      commit(repo, {
        staging: { crm: 'https://hooks.example.com/s1' },
        production: { crm: 'https://hooks.example.com/p1' },
      });
      let run = await job(githubPlan, 'plan', shaA, repo);
      expect(run.outputs.plan.exitcode).toBe('2');
      expect(run.failed).toBe(false);
      expect(ours()).toHaveLength(2);
      const [staging, production] = [of('staging'), of('production')];
      for (const [c, stack] of [
        [staging, 'staging'],
        [production, 'production'],
      ] as const) {
        expect(c.body).toContain(
          `<sub>Workspace \`${stack}\` · commit ${shaA} · [CI run](https://github.com/acme/analytics/actions/runs/${lastRun()})</sub>`,
        );
        expect(c.body).toContain('**Plan: 1 to add, 0 to change, 0 to destroy.**');
        expect(c.body).not.toContain('Stack:');
        expect(c.body).not.toMatch(/fail|exit code/i); // exit code 2 means changes, not a failure
        expect(c.body).not.toContain('tok-ci-secret-value');
        expect(c.body).not.toContain('f'.repeat(40));
      }
      expect(existsSync(join(artifacts, String(lastRun()), 'backflow-plan', 'plan.staging.bin'))).toBe(true);
      expect(existsSync(join(artifacts, String(lastRun()), 'backflow-plan', 'plan.production.bin'))).toBe(
        true,
      );

      // Second push: only production changes; both comments are updated in place (no new ones).
      commit(repo, {
        staging: { crm: 'https://hooks.example.com/s1' },
        production: { crm: 'https://hooks.example.com/p2' },
      });
      run = await job(githubPlan, 'plan', shaB, repo);
      expect(run.failed).toBe(false);
      expect(
        ours()
          .map((c) => c.id)
          .sort(),
      ).toEqual([staging.id, production.id].sort());
      expect(of('production').body).toContain(`commit ${shaB}`);
      expect(of('production').body).toContain('https://hooks.example.com/p2');

      // A broken stack: its comment says what is wrong (before any summary), the job fails, no artifact.
      commit(repo, { staging: { crm: 'https://hooks.example.com/s1' }, production: { crm: null } });
      const before = planRuns.length;
      run = await job(githubPlan, 'plan', shaC, repo);
      expect(run.outputs.plan.exitcode).toBe('1');
      expect(run.failed).toBe(true);
      expect(planRuns).toHaveLength(before);
      expect(ours()).toHaveLength(2);
      expect(of('production').body).toContain('wrong type for "url": expected string, got null');
      expect(of('production').body.indexOf('wrong type for')).toBeLessThan(
        of('production').body.indexOf('**Plan failed'),
      );
      expect(of('staging').body).toContain(`commit ${shaC}`);
      expect(comments[0].body).toBe(`${markdownMarker('production')}\nquoted by a person`);

      // A plan killed by the runner (exit 137) after it wrote its comments: a failed job, no artifact,
      // however it ended (only 0 and 2 are a plan).
      commit(repo, {
        staging: { crm: 'https://hooks.example.com/s1' },
        production: { crm: 'https://hooks.example.com/p2' },
      });
      for (const code of ['137', '143', '3']) {
        run = await job(githubPlan, 'plan', shaC, repo, { DIE_AFTER_PLAN: code });
        expect({ code, exitcode: run.outputs.plan.exitcode, failed: run.failed }).toEqual({
          code,
          exitcode: code,
          failed: true,
        });
        expect(planRuns).toHaveLength(before);
      }

      // Fixed and reviewed, then merged: the apply job applies that run's saved plans, both stacks.
      commit(repo, {
        staging: { crm: 'https://hooks.example.com/s1' },
        production: { crm: 'https://hooks.example.com/p3' },
      });
      run = await job(githubPlan, 'plan', shaD, repo);
      expect(run.failed).toBe(false);
      // The merge commit's checkout: the same configuration, the shared state (local here, pg in real
      // life), and no plan file but the downloaded ones.
      const clean = () =>
        readdirSync(repo)
          .filter((f) => /^plan.*\.bin$/.test(f))
          .forEach((f) => rmSync(join(repo, f)));
      clean();
      let apply = await job(githubApply, 'apply', shaD, repo);
      expect(apply.failed).toBe(false);
      expect(apply.logs.match(/Apply complete! Resources: 1 added, 0 changed, 0 destroyed\./g)).toHaveLength(
        2,
      );
      const stateOf = (stack: string) => readFileSync(join(repo, '.backflow', stack, 'state.json'), 'utf8');
      expect(stateOf('production')).toContain('https://hooks.example.com/p3');

      // Reviewed, but the state moved before the merge (someone applied production by hand): refused,
      // and nothing applied, staging included.
      commit(repo, {
        staging: { crm: 'https://hooks.example.com/s2' },
        production: { crm: 'https://hooks.example.com/p4' },
      });
      run = await job(githubPlan, 'plan', shaE, repo);
      expect(run.outputs.plan.exitcode).toBe('2');
      const byHand = await runCli(['apply', '-auto-approve', '--stack', 'production'], {
        cwd: repo,
        env: { PATH: `${bin}:${process.env.PATH}`, CRM_TOKEN: 'tok-ci-secret-value' },
      });
      expect(byHand.code).toBe(0);
      const stagingBefore = stateOf('staging');
      clean();
      apply = await job(githubApply, 'apply', shaE, repo);
      expect(apply.failed).toBe(true);
      expect(apply.logs).toContain('Saved plan is stale: the state serial moved');
      expect(apply.logs).not.toContain('Apply complete');
      expect(stateOf('staging')).toBe(stagingBefore);

      // A merge whose last commit was never planned successfully: nothing to apply, said plainly.
      apply = await job(githubApply, 'apply', shaC, repo);
      expect(apply.failed).toBe(true);
      expect(apply.logs).toContain(`No successful backflow plan run for ${shaC}`);
      // Every API call carried the token; the comments never did.
      expect(api.requests.every((r) => r.endsWith(`Bearer ${token}`))).toBe(true);
      expect(comments.some((c) => c.body.includes(token))).toBe(false);
    } finally {
      await api.close();
    }
  }, 240_000);

  it('GitHub, a JSON config: one comment naming the workspace, updated in place; its reviewed plan applied on merge', async () => {
    const { repo, artifacts, comments, planRuns, api, job, ours, lastRun } = await githubRepo('gh-json');
    const config = (url: string | null) =>
      writeConfig(repo, {
        destinations: { crm: { type: 'webhook', url, headers: { Authorization: { env: 'CRM_TOKEN' } } } },
      });
    const [shaA, shaB, shaC] = ['1', '2', '3'].map((c) => c.repeat(40));
    try {
      config('https://hooks.example.com/a');
      let run = await job(githubPlan, 'plan', shaA, repo);
      expect(run.outputs.plan.exitcode).toBe('2');
      expect(run.failed).toBe(false);
      expect(ours()).toHaveLength(1);
      const [comment] = ours();
      expect(comment.body.split('\n')[0]).toBe(markdownMarker());
      expect(comment.body).not.toMatch(/fail|exit code/i);
      expect(comment.body).toContain(
        `<sub>Workspace \`default\` · commit ${shaA} · [CI run](https://github.com/acme/analytics/actions/runs/${lastRun()})</sub>`,
      );
      expect(readdirSync(join(artifacts, String(lastRun()), 'backflow-plan'))).toEqual(['plan.bin']);

      // An invalid config: the same comment says what is wrong; the job fails.
      config(null);
      run = await job(githubPlan, 'plan', shaB, repo);
      expect(run.failed).toBe(true);
      expect(ours().map((c) => c.id)).toEqual([comment.id]);
      expect(ours()[0].body).toContain('wrong type for "url"');

      config('https://hooks.example.com/c');
      run = await job(githubPlan, 'plan', shaC, repo);
      expect(run.failed).toBe(false);
      expect(ours().map((c) => c.id)).toEqual([comment.id]);
      expect(ours()[0].body).toContain(`commit ${shaC}`);
      rmSync(join(repo, 'plan.bin'));
      const apply = await job(githubApply, 'apply', shaC, repo);
      expect(apply.failed).toBe(false);
      expect(apply.logs).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
      expect(readFileSync(join(repo, '.backflow', 'state.json'), 'utf8')).toContain(
        'https://hooks.example.com/c',
      );

      // Reviewed, but the merge brings other configuration (the branch was behind main): refused.
      config('https://hooks.example.com/d');
      run = await job(githubPlan, 'plan', shaA, repo);
      expect(run.outputs.plan.exitcode).toBe('2');
      config('https://hooks.example.com/main-moved');
      rmSync(join(repo, 'plan.bin'));
      const stale = await job(githubApply, 'apply', shaA, repo);
      expect(stale.failed).toBe(true);
      expect(stale.logs).toContain('Saved plan is stale: the configuration changed since the plan was made');
      expect(stale.logs).not.toContain('Apply complete');
      expect(planRuns.length).toBeGreaterThan(0);
      expect(comments.filter((c) => c.user.type !== 'Bot')).toHaveLength(1);
    } finally {
      await api.close();
    }
  }, 240_000);

  it('GitLab: a note per stack updated in place, the reviewed plan applied on merge', async () => {
    const repo = join(work, 'gl');
    mkdirSync(repo);
    writeApp(repo);
    const glToken = 'glpat-test-token-0123';
    const project = '/api/v4/projects/1234';
    const notes: { id: number; body: string; system: boolean; author: { id: number } }[] = [
      { id: 1, body: 'looks good', system: false, author: { id: 7 } },
      { id: 2, body: `${markdownMarker('staging')}\nquoted by a person`, system: false, author: { id: 7 } },
    ];
    const pipelines: { id: number; sha: string; status: string; job: number }[] = [];
    const jobArtifacts = join(work, 'gl-artifacts');
    let nextNote = 10;
    const api = await fakeApi((method, path, query, body) => {
      if (method === 'GET' && path === '/api/v4/user') return { id: 42, username: 'project_1_bot' };
      if (path === `${project}/merge_requests/7/notes`) {
        if (method === 'GET') return query.get('page') === '1' ? notes : [];
        const n = { id: nextNote++, body: body.body, system: false, author: { id: 42 } };
        notes.push(n);
        return n;
      }
      const m = new RegExp(`^${project}/merge_requests/7/notes/(\\d+)$`).exec(path);
      if (method === 'PUT' && m) {
        notes.find((n) => n.id === Number(m[1]))!.body = body.body;
        return { id: Number(m[1]) };
      }
      if (method === 'GET' && path === `${project}/repository/commits/${'9'.repeat(40)}/merge_requests`)
        return [{ iid: 7, sha: 'b'.repeat(40), state: 'merged' }];
      if (method === 'GET' && path === `${project}/merge_requests/7/pipelines`)
        return [...pipelines].reverse().map(({ id, sha, status }) => ({ id, sha, status }));
      const p = new RegExp(`^${project}/pipelines/(\\d+)/jobs$`).exec(path);
      if (method === 'GET' && p) {
        expect(query.getAll('scope[]')).toEqual(['success']);
        const found = pipelines.find((x) => x.id === Number(p[1]));
        return found === undefined ? [] : [{ id: found.job, name: 'backflow-plan', status: 'success' }];
      }
      const j = new RegExp(`^${project}/jobs/(\\d+)/artifacts$`).exec(path);
      if (method === 'GET' && j) return readFileSync(join(jobArtifacts, `${j[1]}.zip`));
      return undefined;
    });

    let jobId = 900;
    /** One GitLab job: its script through bash (GitLab's `set -eo pipefail`), its artifacts zipped. */
    async function glJob(
      name: string,
      env: Record<string, string>,
    ): Promise<{ failed: boolean; logs: string }> {
      const id = ++jobId;
      const spec = gitlab[name];
      const r = await execFileAsync(
        'bash',
        ['-e', '-o', 'pipefail', '-c', (spec.script as string[]).join('\n')],
        {
          cwd: repo,
          env: cliEnv({
            PATH: `${bin}:${process.env.PATH}`,
            GITLAB_CI: 'true',
            CI_API_V4_URL: `${api.url}/api/v4`,
            CI_PROJECT_ID: '1234', // numeric, as GitLab sets it
            CI_JOB_URL: `https://gitlab.example.com/acme/analytics/-/jobs/${id}`,
            GITLAB_API_TOKEN: glToken,
            CRM_TOKEN: 'tok-ci-secret-value',
            ...env,
          }),
        },
      ).then(
        (x) => ({ failed: false, logs: x.stdout + x.stderr }),
        (e: { stdout: string; stderr: string }) => ({ failed: true, logs: e.stdout + e.stderr }),
      );
      const art = spec.artifacts;
      if (art !== undefined && (art.when === 'always' || !r.failed)) {
        const globs = (art.paths as string[]).map(
          (g) => new RegExp('^' + g.replace(/\./g, '\\.').replace(/\*/g, '[^/]*') + '$'),
        );
        const files = readdirSync(repo).filter((f) => globs.some((g) => g.test(f)));
        if (files.length > 0)
          await execFileAsync('zip', ['-q', join(jobArtifacts, `${id}.zip`), ...files], { cwd: repo });
        if (!r.failed)
          pipelines.push({ id: id + 10_000, sha: env.CI_COMMIT_SHA, status: 'success', job: id });
      }
      return { ...r, failed: r.failed };
    }
    mkdirSync(jobArtifacts);
    const ours = () => notes.filter((n) => n.author.id === 42);
    const mr = (sha: string) => ({
      CI_MERGE_REQUEST_IID: '7',
      CI_COMMIT_SHA: sha,
      CI_PIPELINE_SOURCE: 'merge_request_event',
    });
    try {
      commit(repo, {
        staging: { crm: 'https://hooks.example.com/s1' },
        production: { crm: 'https://hooks.example.com/p1' },
      });
      let job = await glJob('backflow-plan', mr('a'.repeat(40)));
      expect(job.failed).toBe(false); // changes (exit 2) do not fail the job
      expect(ours()).toHaveLength(2);
      expect(
        ours()
          .map((n) => n.body.split('\n')[0])
          .sort(),
      ).toEqual([markdownMarker('production'), markdownMarker('staging')]);
      expect(ours()[0].body).toContain(
        `commit ${'a'.repeat(40)} · [CI run](https://gitlab.example.com/acme/analytics/-/jobs/${jobId})`,
      );

      commit(repo, { staging: { crm: 'https://hooks.example.com/s1' }, production: { crm: null } });
      job = await glJob('backflow-plan', mr('c'.repeat(40)));
      expect(job.failed).toBe(true); // errors do, after the notes say why
      expect(ours()).toHaveLength(2);
      expect(ours().every((n) => n.body.includes('wrong type for "url"'))).toBe(true);
      expect(notes[1].body).toBe(`${markdownMarker('staging')}\nquoted by a person`);

      commit(repo, {
        staging: { crm: 'https://hooks.example.com/s1' },
        production: { crm: 'https://hooks.example.com/p2' },
      });
      // Killed by the runner after its notes were posted: the job fails, so its artifacts are no reviewed
      // plan (the apply below takes the pipeline of the MR's last commit, only if it succeeded).
      const pipelinesBefore = pipelines.length;
      for (const code of ['137', '143', '3']) {
        job = await glJob('backflow-plan', { ...mr('d'.repeat(40)), DIE_AFTER_PLAN: code });
        expect({ code, failed: job.failed }).toEqual({ code, failed: true });
      }
      expect(pipelines).toHaveLength(pipelinesBefore);
      job = await glJob('backflow-plan', mr('b'.repeat(40)));
      expect(job.failed).toBe(false);
      expect(ours()).toHaveLength(2);

      // Merged (merge commit 999…): the apply job finds the MR's last successful pipeline for its head and
      // applies that job's saved plans.
      for (const f of readdirSync(repo).filter((x) => /^plan.*\.bin$/.test(x))) rmSync(join(repo, f));
      job = await glJob('backflow-apply', {
        CI_COMMIT_SHA: '9'.repeat(40),
        CI_COMMIT_BRANCH: 'main',
        CI_PIPELINE_SOURCE: 'push',
      });
      expect(job.logs.match(/Apply complete! Resources: 1 added, 0 changed, 0 destroyed\./g)).toHaveLength(2);
      expect(job.failed).toBe(false);
      expect(api.requests.every((r) => r.endsWith(glToken))).toBe(true);
    } finally {
      await api.close();
    }
  }, 240_000);
});
