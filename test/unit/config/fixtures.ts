/**
 * Inline fixture trees for config tests: each test writes the files it needs into a fresh temp folder.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../../src/config/load';
import type { DesiredState } from '../../../src/config/desired';
import type { Diagnostic } from '../../../src/diagnostics';
import { DiagnosticsError } from '../../../src/errors';

const made: string[] = [];

/** Writes `files` (name → text, or a value to JSON.stringify) into a new temp folder; returns its path. */
export function fixture(files: Record<string, string | object>): string {
  const dir = mkdtempSync(join(tmpdir(), 'backflow-config-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
  }
  return dir;
}

export function cleanFixtures(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const EXAMPLE_ENV = {
  WAREHOUSE_PASSWORD: 'pw-s3cret-warehouse',
  GIT_TOKEN: 'ghp_s3cret-git-token',
  DBT_CLOUD_API_KEY: 'dbtc_s3cret-api-key',
  CRM_TOKEN: 'Bearer s3cret-crm-token',
};

export async function load(dir: string, env: NodeJS.ProcessEnv = EXAMPLE_ENV): Promise<DesiredState> {
  return loadConfig({ dir, cwd: dir, env });
}

/** Loads a config expected to be invalid; returns its diagnostics. */
export async function problems(dir: string, env: NodeJS.ProcessEnv = EXAMPLE_ENV): Promise<Diagnostic[]> {
  try {
    await load(dir, env);
  } catch (err) {
    if (err instanceof DiagnosticsError) return err.diagnostics;
    throw err;
  }
  throw new Error('expected the config to be invalid');
}

export function summaries(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary);
}

/** A small valid config to modify: one source, one query model, one destination, one sync. */
export function baseConfig(): Record<string, Record<string, unknown>> {
  return {
    sources: {
      warehouse: {
        warehouse: 'postgres',
        settings: {
          host: '127.0.0.1',
          database: 'analytics',
          user: 'retl',
          password: { env: 'WAREHOUSE_PASSWORD' },
        },
      },
    },
    models: {
      big_orders: {
        source: 'warehouse',
        name: 'Big orders',
        query: 'select 1 as order_id',
        primary_key: 'order_id',
      },
    },
    destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
    syncs: { orders: { model: 'big_orders', destination: 'crm' } },
  };
}

/** 1-based line and column where `needle` first occurs in `file` of `dir`. */
export function positionOf(dir: string, file: string, needle: string): { line: number; column: number } {
  const text = readFileSync(join(dir, file), 'utf8');
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`${needle} not in ${file}`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
