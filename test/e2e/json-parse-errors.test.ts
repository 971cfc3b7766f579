/**
 * `--json` means one JSON document on stdout, also when the command line itself is wrong (an unknown flag,
 * a missing argument): commander's message stays on stderr for people, and stdout carries the command's
 * JSON failure document with the error as a diagnostic.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { scratchDir } from '../helpers/workspace';

function project(): string {
  const dir = scratchDir('backflow-parse-json-');
  writeFileSync(
    join(dir, 'backflow.json'),
    JSON.stringify({ destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } } }),
  );
  return dir;
}

test('plan --json with an unknown flag prints one errored plan document, nothing applyable', async () => {
  const r = await runCli(['plan', '-json', '-destroy', '--bogus'], { cwd: project() });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain("unknown option '--bogus'");
  const doc = JSON.parse(r.stdout);
  expect(doc).toMatchObject({ errored: true, applyable: false, mode: 'destroy', resource_changes: [] });
  expect(doc.diagnostics).toEqual([
    {
      severity: 'error',
      summary: "unknown option '--bogus'",
      detail: 'Run `backflow plan --help` for the flags and arguments it takes.',
    },
  ]);
});

test('plan --format json with a flag missing its value is one document too', async () => {
  const r = await runCli(['plan', '--format', 'json', '--target'], { cwd: project() });
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout).diagnostics[0].summary).toContain("'--target <address>' argument missing");
});

test('validate and other commands with --json print the diagnostics document; without --json, stdout is empty', async () => {
  const dir = project();
  const v = await runCli(['validate', '-json', '--nope'], { cwd: dir });
  expect(v.code).toBe(1);
  expect(JSON.parse(v.stdout)).toMatchObject({ valid: false, error_count: 1, warning_count: 0 });
  const s = await runCli(['state', 'show', '--json'], { cwd: dir });
  expect(s.code).toBe(1);
  const doc = JSON.parse(s.stdout);
  expect(doc.diagnostics[0]).toMatchObject({
    summary: "missing required argument 'address'",
    detail: 'Run `backflow state show --help` for the flags and arguments it takes.',
  });
  const human = await runCli(['validate', '--nope'], { cwd: dir });
  expect(human.code).toBe(1);
  expect(human.stdout).toBe('');
  expect(human.stderr).toContain("unknown option '--nope'");
});
