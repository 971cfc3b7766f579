/**
 * Runs the real CLI as a user does: a separate node process on bin/backflow.js, with the loopback guard
 * preloaded so the spawned process cannot leave this machine either.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'backflow.js');
const GUARD = join(ROOT, 'test', 'helpers', 'loopback-guard.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for assertions that do not care which stream. */
  output: string;
}

export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Under `npm run coverage`, each CLI process writes its V8 coverage there (merged by scripts/coverage.js).
  const coverage = process.env.BACKFLOW_CLI_COVERAGE
    ? { NODE_V8_COVERAGE: process.env.BACKFLOW_CLI_COVERAGE }
    : {};
  return { ...process.env, NO_COLOR: '1', NODE_OPTIONS: `--require ${GUARD}`, ...coverage, ...env };
}

export function startCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: cliEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runCli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const child = startCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr, output: stdout + stderr }));
  });
}

/**
 * A command that worked prints no error or warning, but may print progress lines on stderr (clones,
 * refreshes, waits for a lock): assert the former, not an empty stderr, so no test depends on whether a
 * progress line happened to be printed on this machine.
 */
export function expectNoErrorOutput(stderr: string): void {
  const bad = stderr
    .split('\n')
    .filter((line) => /\b(error|warning|fatal|exception|failed)\b|^\s+at\s/i.test(line));
  expect(bad).toEqual([]);
}
