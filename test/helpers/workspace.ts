/**
 * A scratch workspace folder with a backflow.json pointing at a test database, for end-to-end tests.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestSettings } from './pg';

export const SECRETS = {
  WAREHOUSE_PASSWORD: 'pw-Zq8-warehouse-secret-3141',
  CRM_TOKEN: 'tok-Xy7-crm-secret-2718',
};

export function scratchDir(prefix = 'backflow-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, config: unknown, file = 'backflow.json'): void {
  writeFileSync(join(dir, file), JSON.stringify(config, null, 2));
}

export function sourceConfig(settings: TestSettings, user: string): Record<string, unknown> {
  return {
    warehouse: 'postgres',
    settings: {
      host: settings.host,
      port: settings.port,
      database: settings.database,
      user,
      password: { env: 'WAREHOUSE_PASSWORD' },
      sslmode: 'disable',
    },
  };
}

/** Every file under `.backflow/` (state, backup, journal, locks, caches) and any plan files, as text. */
export function persistedText(dir: string, extra: string[] = []): string {
  const folder = join(dir, '.backflow');
  const files = existsSync(folder)
    ? readdirSync(folder, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath ?? e.path, e.name))
    : [];
  return [...files, ...extra.filter(existsSync)].map((f) => readFileSync(f, 'utf8')).join('\n');
}
