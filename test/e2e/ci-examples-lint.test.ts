/**
 * `npm run lint:ci-examples` (scripts/lint-ci-examples.js): actionlint and shellcheck on the shipped CI
 * examples and the repository's shell scripts. It passes on the checkout, and fails, naming file and line,
 * on a copy with one planted fault of each kind it is meant to catch. shellcheck is Debian's package, which
 * .ci/run installs: without it these tests skip outside CI, and fail in CI.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli';

const SCRIPT = join(ROOT, 'scripts', 'lint-ci-examples.js');
const shellcheckAvailable = spawnSync('shellcheck', ['--version']).error === undefined;
const describeLint = shellcheckAvailable || process.env.CI === 'true' ? describe : describe.skip;
if (!shellcheckAvailable) console.warn('skipped: shellcheck is not installed (apt-get install shellcheck)');

function lint(root?: string, env: NodeJS.ProcessEnv = process.env): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...(root === undefined ? [] : [root])], {
    encoding: 'utf8',
    env,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

/** Replaces `from` (which must be there) by `to` in FILE under ROOT. */
function plant(root: string, file: string, from: string, to: string): number {
  const text = readFileSync(join(root, file), 'utf8');
  const at = text.indexOf(from);
  expect({ file, from, found: at >= 0 }).toEqual({ file, from, found: true });
  writeFileSync(join(root, file), text.slice(0, at) + to + text.slice(at + from.length));
  return text.slice(0, at).split('\n').length; // the line of the planted fault
}

describeLint('lint:ci-examples', () => {
  let copy: string;
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'backflow-lint-ci-'));
    for (const dir of ['examples/github-actions', 'examples/gitlab-ci', 'scripts', '.ci'])
      cpSync(join(ROOT, dir), join(copy, dir), { recursive: true });
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('passes on the shipped examples and scripts', () => {
    const r = lint();
    expect(r.out).toMatch(/lint:ci-examples: CI examples and \d+ shell script\(s\) clean/);
    expect(r.code).toBe(0);
  });

  it('fails on each kind of fault, naming the file and line', () => {
    const plan = 'examples/github-actions/plan.yml';
    const apply = 'examples/github-actions/apply.yml';
    const gitlab = 'examples/gitlab-ci/.gitlab-ci.yml';
    const faults = [
      // actionlint: a job key misspelt, and an expression that does not parse.
      {
        file: plan,
        line: plant(copy, plan, 'runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'),
        text: 'runs_on',
      },
      {
        file: apply,
        line: plant(copy, apply, 'if: github.event.pull_request.merged == true', 'if: ${{ github.event. }}'),
        text: 'expression',
      },
      // shellcheck on a `run:` script: the output file unquoted.
      {
        file: plan,
        line: plant(copy, plan, '>> "$GITHUB_OUTPUT"', '>> $GITHUB_OUTPUT'),
        text: 'SC2086',
      },
      // GitLab: a keyword misspelt, a stage not declared, a script bug.
      { file: gitlab, line: plant(copy, gitlab, '  artifacts:\n', '  artefacts:\n'), text: 'artefacts' },
      { file: gitlab, line: plant(copy, gitlab, 'stage: apply', 'stage: deploy'), text: 'stage "deploy"' },
      {
        file: gitlab,
        line: plant(
          copy,
          gitlab,
          'unzip -o reviewed-plan.zip',
          'cd $CI_PROJECT_DIR; unzip -o reviewed-plan.zip',
        ),
        text: 'SC2164',
      },
      // The repository's own shell script.
      {
        file: 'scripts/test-as-user.sh',
        line: plant(copy, 'scripts/test-as-user.sh', 'rm -rf "$home"', 'rm -rf $home'),
        text: 'SC2086',
      },
    ];
    const r = lint(copy);
    expect(r.code).toBe(1);
    for (const f of faults)
      expect({
        ...f,
        reported: r.out.split('\n').some((l) => l.startsWith(`${f.file}:${f.line}:`) && l.includes(f.text)),
      }).toEqual({ ...f, reported: true });
    expect(r.out).toContain(`lint:ci-examples: `);
  });

  it('says how to install shellcheck when it is missing', () => {
    const r = lint(undefined, { ...process.env, PATH: join(copy, 'no-such-bin') });
    expect(r.code).toBe(2);
    expect(r.out).toContain('shellcheck is not installed: apt-get install shellcheck');
  });
});
