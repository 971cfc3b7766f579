/**
 * A `manifest.json` read from dbt Cloud: checked to be JSON of a schema version Backflow reads
 * (`metadata.dbt_schema_version` v9 to v12: dbt 1.5 and later), and cached on disk by run id, since a run's
 * artifacts never change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCacheFile } from '../../cache-file';
import { DbtCloudError } from './dbtcloud-errors';

export const MIN_MANIFEST_VERSION = 9;
export const MAX_MANIFEST_VERSION = 12;

/** The dbt Core release that introduced each manifest schema version (for messages). */
const DBT_RELEASE: Record<number, string> = {
  4: '1.0',
  5: '1.1',
  6: '1.2',
  7: '1.3',
  8: '1.4',
  9: '1.5',
  10: '1.6',
  11: '1.7',
  12: '1.8',
};

export interface ParsedManifest {
  json: Record<string, unknown>;
  /** 9 to 12. */
  schemaVersion: number;
}

/** Parses and checks a manifest; `what` names it in errors (`manifest.json of run 1234`). */
export function parseManifest(text: string, what: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DbtCloudError(
      'manifest',
      `${what} is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      'The artifact may be truncated; re-run the job, or check access_url points at dbt Cloud.',
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DbtCloudError('manifest', `${what} is not a dbt manifest (expected a JSON object)`);
  }
  const metadata = (json as Record<string, unknown>).metadata as Record<string, unknown> | undefined;
  const declared = metadata?.dbt_schema_version;
  const m = typeof declared === 'string' ? /\/manifest\/v(\d+)\.json$/.exec(declared) : null;
  if (m === null) {
    throw new DbtCloudError(
      'manifest',
      `${what} has no metadata.dbt_schema_version naming a manifest schema (found ${JSON.stringify(declared ?? null)})`,
      'Expected e.g. "https://schemas.getdbt.com/dbt/manifest/v12.json".',
    );
  }
  const version = Number(m[1]);
  if (version < MIN_MANIFEST_VERSION || version > MAX_MANIFEST_VERSION) {
    const release = DBT_RELEASE[version];
    throw new DbtCloudError(
      'manifest',
      `${what} uses manifest schema v${version}${release ? ` (dbt ${release})` : ''}; Backflow reads v${MIN_MANIFEST_VERSION} to v${MAX_MANIFEST_VERSION} (dbt ${DBT_RELEASE[MIN_MANIFEST_VERSION]} and later)`,
      version < MIN_MANIFEST_VERSION
        ? 'Upgrade the dbt version of the job’s environment in dbt Cloud, then let the job run again.'
        : 'This manifest is newer than this Backflow knows; upgrade Backflow.',
    );
  }
  return { json: json as Record<string, unknown>, schemaVersion: version };
}

/** Where a run's manifest is cached: one folder per host and account, one file per run. */
export function manifestCachePath(cacheDir: string, host: string, accountId: number, runId: number): string {
  const hostKey = new URL(host).host.replace(/[^A-Za-z0-9.-]/g, '_');
  return join(cacheDir, `${hostKey}-${accountId}`, `run-${runId}-manifest.json`);
}

export function readCachedManifest(path: string, what: string): ParsedManifest | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseManifest(text, what);
  } catch {
    return undefined; // a damaged cache entry is fetched again
  }
}

/** Written atomically (temp file, rename), so a crash never leaves half a manifest to be read later. */
export function writeCachedManifest(path: string, text: string): void {
  writeCacheFile(path, text);
}
