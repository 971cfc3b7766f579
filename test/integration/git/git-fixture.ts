/**
 * Shared bits of the Git adapter's tests: temp folders cleaned after the file, a small dbt-like tree,
 * and the "no secret in any message" check every bad-input test runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/errors';

const dirs: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `backflow-git-${prefix}-`));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const PROJECT = {
  'dbt_project.yml': "name: shop\nversion: '1.0'\nprofile: shop\nmodel-paths: ['models']\n",
  'models/staging/stg_orders.sql': 'select * from {{ source("shop", "orders") }}\n',
  'models/staging/schema.yml': 'version: 2\nmodels:\n  - name: stg_orders\n',
  'models/marts/customers.sql': "{{ config(materialized='table') }}\nselect 1 as customer_id\n",
  'README.md': '# shop\n',
};

/** Every message and hint of the errors a test saw, to search for secrets. */
export const seenMessages: string[] = [];

/** The rejection of `promise`, asserted to be a UserError, recorded for the secrets check. */
export async function userErrorOf(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof UserError))
    throw new Error(`expected a UserError, got ${err instanceof Error ? err.stack : String(err)}`);
  seenMessages.push(err.message, err.hint ?? '', String(err.stack ?? ''));
  return err;
}

/**
 * Records everything this test file writes to stdout and stderr (and to the console), still passing it
 * on, so a suite can check no secret was logged. Returns the recorded chunks and a restore function.
 */
export function captureOutput(): { chunks: string[]; restore: () => void } {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((stream, i) => {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(String(chunk));
      return (originals[i] as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  });
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const consoleOriginals = methods.map((m) => console[m]);
  methods.forEach((m, i) => {
    console[m] = (...args: unknown[]) => {
      chunks.push(args.map(String).join(' '));
      consoleOriginals[i](...args);
    };
  });
  return {
    chunks,
    restore() {
      streams.forEach((stream, i) => (stream.write = originals[i] as typeof stream.write));
      methods.forEach((m, i) => (console[m] = consoleOriginals[i]));
    },
  };
}

/** Fails when any secret (or a long line of a multi-line one, as in a PEM key) appears in `texts`. */
export function expectNoSecrets(texts: string[], secrets: string[]): void {
  const pieces = secrets.flatMap((s) => [s, ...s.split('\n').filter((l) => l.trim().length >= 16)]);
  for (const text of texts) for (const p of pieces) expect(text.includes(p)).toBe(false);
}
