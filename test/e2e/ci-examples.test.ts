/**
 * The CI examples in examples/github-actions and examples/gitlab-ci work as written: every backflow
 * command they run exists with the flags they pass (checked against `backflow <cmd> --help`), and their
 * scripts run for real here — the plan step through bash with `npx backflow` pointing at this checkout,
 * the GitHub comment script against a stand-in for the GitHub client, the GitLab note script against a
 * local stand-in for the GitLab API — creating the comment once and updating it in place after that.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { MARKDOWN_MARKER } from '../../src/render/markdown';
import { BIN, ROOT, cliEnv, runCli } from '../helpers/cli';
import { writeConfig } from '../helpers/workspace';

const execFileAsync = promisify(execFile);
const EXAMPLES = join(ROOT, 'examples');
const read = (path: string): any => parse(readFileSync(join(EXAMPLES, path), 'utf8'));
const githubPlan = read('github-actions/plan.yml');
const githubApply = read('github-actions/apply.yml');
const gitlab = read('gitlab-ci/.gitlab-ci.yml');

/** Every shell script of the three files. */
function scripts(): string[] {
  const steps = [githubPlan, githubApply].flatMap((w) =>
    Object.values(w.jobs).flatMap((job: any) => job.steps as any[]),
  );
  const gitlabJobs = Object.values(gitlab).filter((v: any) => v && typeof v === 'object' && 'script' in v);
  return [
    ...steps.filter((s) => typeof s.run === 'string').map((s) => s.run as string),
    ...gitlabJobs.flatMap((job: any) => job.script as string[]),
  ];
}

/** `npx backflow plan --out plan.bin > plan.md` → [['plan'], ['--out']]: subcommands and flags as commander reads them. */
function backflowCommands(): { command: string[]; flags: string[] }[] {
  const out: { command: string[]; flags: string[] }[] = [];
  for (const line of scripts().flatMap((s) => s.split('\n'))) {
    const m = /npx backflow ([^>|;&]*)/.exec(line);
    if (!m) continue;
    const words = m[1].trim().split(/\s+/);
    const command: string[] = [];
    while (words.length > 0 && /^[a-z][a-z-]*$/.test(words[0])) command.push(words.shift()!);
    const flags = words
      .filter((w) => w.startsWith('-'))
      .map((w) => w.split('=')[0])
      .map((w) => (/^-[a-z][a-z-]+$/.test(w) ? '-' + w : w)); // -auto-approve, as argv.ts reads it
    out.push({ command, flags });
  }
  return out;
}

describe('CI examples', () => {
  it('run only backflow commands and flags that exist', async () => {
    const commands = backflowCommands();
    expect(commands.map((c) => c.command.join(' ')).sort()).toEqual(['apply', 'apply', 'plan', 'plan']);
    const help = new Map<string, string>();
    for (const { command, flags } of commands) {
      const key = command.join(' ');
      if (!help.has(key)) {
        const r = await runCli([...command, '--help'], { cwd: ROOT });
        expect(r.code).toBe(0);
        help.set(key, r.stdout);
      }
      for (const flag of flags)
        expect({ command: key, flag, known: help.get(key)!.includes(flag) }).toEqual({
          command: key,
          flag,
          known: true,
        });
    }
  });

  it('plan on pull requests with a comment updated in place, apply on merge under the lock', () => {
    expect(Object.keys(githubPlan.on)).toEqual(['pull_request']);
    expect(githubPlan.permissions).toMatchObject({ 'pull-requests': 'write' });
    const steps = githubPlan.jobs.plan.steps as any[];
    const plan = steps.find((s) => s.id === 'plan').run as string;
    expect(plan).toContain('npx backflow plan --format markdown --detailed-exitcode --out plan.bin');
    const comment = steps.find((s) => s.uses?.startsWith('actions/github-script@'));
    expect(comment.with.script).toContain(`const marker = '${MARKDOWN_MARKER}';`);
    const fail = steps.at(-1);
    expect(fail).toEqual({
      name: 'Fail on plan errors only',
      if: "steps.plan.outputs.exitcode == '1'",
      run: 'exit 1',
    });

    expect(githubApply.on).toEqual({ push: { branches: ['main'] } });
    expect(githubApply.concurrency).toEqual({ group: 'backflow-apply', 'cancel-in-progress': false });
    expect(githubApply.jobs.apply.steps.at(-1).run).toBe(
      'npx backflow apply -auto-approve --lock-timeout 10m',
    );

    expect(gitlab['backflow-plan'].script[0]).toContain('test "$code" -ne 1');
    expect(gitlab['backflow-apply'].resource_group).toBe('backflow-production');
    expect(readFileSync(join(EXAMPLES, 'gitlab-ci', 'mr-comment.js'), 'utf8')).toContain(
      `const MARKER = '${MARKDOWN_MARKER}';`,
    );
  });

  describe('scripts, run', () => {
    let work: string;
    let env: NodeJS.ProcessEnv;

    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'backflow-ci-'));
      // `npx backflow` is this checkout's CLI.
      const bin = join(work, 'bin');
      mkdirSync(bin);
      writeFileSync(
        join(bin, 'npx'),
        `#!/bin/sh\n[ "$1" = backflow ] || { echo "npx: unexpected $*" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${BIN}" "$@"\n`,
      );
      chmodSync(join(bin, 'npx'), 0o755);
      env = cliEnv({ PATH: `${bin}:${process.env.PATH}`, CRM_TOKEN: 'tok-ci-secret' });
      mkdirSync(join(work, 'examples', 'gitlab-ci'), { recursive: true });
      symlinkSync(
        join(EXAMPLES, 'gitlab-ci', 'mr-comment.js'),
        join(work, 'examples', 'gitlab-ci', 'mr-comment.js'),
      );
    });

    const destinations = (url: string): Record<string, unknown> => ({
      destinations: { crm: { type: 'webhook', url, headers: { Authorization: { env: 'CRM_TOKEN' } } } },
    });

    /** The GitHub plan step through bash; returns the exit code it records. */
    async function githubPlanStep(): Promise<string> {
      const output = join(work, 'github-output');
      writeFileSync(output, '');
      const run = (githubPlan.jobs.plan.steps as any[]).find((s) => s.id === 'plan').run as string;
      await execFileAsync('bash', ['-e', '-c', run], { cwd: work, env: { ...env, GITHUB_OUTPUT: output } });
      return /^exitcode=(\d+)$/m.exec(readFileSync(output, 'utf8'))![1];
    }

    /** The github-script step, with a stand-in for the GitHub client holding the PR's comments. */
    async function githubCommentStep(comments: any[], exitcode: string): Promise<void> {
      const script = (githubPlan.jobs.plan.steps as any[]).find((s) =>
        s.uses?.startsWith('actions/github-script'),
      ).with.script as string;
      let next = 1000;
      const github = {
        paginate: async (fn: (args: any) => Promise<{ data: any[] }>, args: any) => (await fn(args)).data,
        rest: {
          issues: {
            listComments: async () => ({ data: comments.map((c) => ({ ...c })) }),
            createComment: async ({ body }: any) => {
              comments.push({ id: next++, user: { type: 'Bot' }, body });
            },
            updateComment: async ({ comment_id, body }: any) => {
              comments.find((c) => c.id === comment_id).body = body;
            },
          },
        },
      };
      const context = { repo: { owner: 'acme', repo: 'analytics' }, issue: { number: 7 } };
      const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
      const cwd = process.cwd();
      const saved = process.env.EXITCODE;
      process.chdir(work);
      process.env.EXITCODE = exitcode;
      try {
        await new AsyncFunction('require', 'github', 'context', script)(require, github, context);
      } finally {
        process.chdir(cwd);
        if (saved === undefined) delete process.env.EXITCODE;
        else process.env.EXITCODE = saved;
      }
    }

    it('GitHub: comments the plan, updates that comment on the next push, and reports errors', async () => {
      const person = { id: 1, user: { type: 'User' }, body: `${MARKDOWN_MARKER} quoted by a person` };
      const comments: any[] = [person];

      writeConfig(work, destinations('https://hooks.example.com/a'));
      expect(await githubPlanStep()).toBe('2');
      await githubCommentStep(comments, '2');
      expect(comments).toHaveLength(2);
      const ours = comments[1];
      expect(ours.body.startsWith(`${MARKDOWN_MARKER}\n## Backflow plan`)).toBe(true);
      expect(ours.body).toContain('**Plan: 1 to add, 0 to change, 0 to destroy.**');
      expect(ours.body).not.toContain('tok-ci-secret');
      expect(readFileSync(join(work, 'plan.bin'), 'utf8')).toContain('"backflow_plan"');

      // A broken config: no plan, the error in the same comment, and the step records exit code 1.
      writeConfig(work, { destinations: { crm: { type: 'webhook' } } });
      expect(await githubPlanStep()).toBe('1');
      await githubCommentStep(comments, '1');
      expect(comments).toHaveLength(2);
      expect(ours.body).toContain('`backflow plan` failed (exit code 1)');
      expect(ours.body).toContain('missing required field "url"');
      expect(person.body).toBe(`${MARKDOWN_MARKER} quoted by a person`);

      // Merged: the apply step, then the next plan has nothing to do (exit 0), still in the one comment.
      writeConfig(work, destinations('https://hooks.example.com/b'));
      const applyRun = githubApply.jobs.apply.steps.at(-1).run as string;
      const applied = await execFileAsync('bash', ['-e', '-c', applyRun], { cwd: work, env });
      expect(applied.stdout).toContain('Apply complete! Resources: 1 added');
      expect(await githubPlanStep()).toBe('0');
      await githubCommentStep(comments, '0');
      expect(comments).toHaveLength(2);
      expect(ours.body).toContain('**No changes. Your infrastructure matches the configuration.**');
    });

    it('GitLab: the plan job posts a note, updates it, and fails only on plan errors', async () => {
      const notes: { id: number; body: string; system: boolean }[] = [
        { id: 1, body: 'looks good', system: false },
      ];
      const requests: string[] = [];
      const server: Server = createServer((req, res) => {
        let text = '';
        req.on('data', (d) => (text += d));
        req.on('end', () => {
          requests.push(`${req.method} ${req.url} ${req.headers['private-token']}`);
          res.setHeader('content-type', 'application/json');
          if (req.method === 'GET') {
            res.end(JSON.stringify(notes));
          } else if (req.method === 'POST') {
            notes.push({ id: 2 + notes.length, body: JSON.parse(text).body, system: false });
            res.end(JSON.stringify(notes.at(-1)));
          } else {
            const id = Number(/notes\/(\d+)$/.exec(req.url!)![1]);
            notes.find((n) => n.id === id)!.body = JSON.parse(text).body;
            res.end(JSON.stringify({ id }));
          }
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as AddressInfo;
      const ci = {
        ...env,
        CI_API_V4_URL: `http://127.0.0.1:${port}/api/v4`,
        CI_PROJECT_ID: 'acme/analytics',
        CI_MERGE_REQUEST_IID: '7',
        GITLAB_API_TOKEN: 'glpat-test',
      };
      const job = async (): Promise<number> => {
        const script = (gitlab['backflow-plan'].script as string[]).join('\n');
        return execFileAsync('bash', ['-e', '-c', script], { cwd: work, env: ci }).then(
          () => 0,
          (err: { code: number }) => err.code,
        );
      };
      try {
        writeConfig(work, destinations('https://hooks.example.com/c'));
        expect(await job()).toBe(0); // changes (exit 2) do not fail the job
        expect(notes).toHaveLength(2);
        expect(notes[1].body).toContain('**Plan: 0 to add, 1 to change, 0 to destroy.**');
        writeConfig(work, { destinations: { crm: { type: 'webhook' } } });
        expect(await job()).not.toBe(0); // errors do, after the note says why
        expect(notes).toHaveLength(2);
        expect(notes[1].body).toContain('`backflow plan` failed (exit code 1)');
        expect(notes[0].body).toBe('looks good');
        expect(requests[0]).toBe(
          'GET /api/v4/projects/acme%2Fanalytics/merge_requests/7/notes?sort=asc&order_by=created_at&per_page=100&page=1 glpat-test',
        );
        expect(requests).toContain(
          'PUT /api/v4/projects/acme%2Fanalytics/merge_requests/7/notes/3 glpat-test',
        );
      } finally {
        await new Promise((r) => server.close(r));
      }
    });
  });
});
