/**
 * What a Git sync's settings tell the dbt loader, in one place, so `plan` (dbt-catalogs.ts) and `check`
 * load a project the same way: the target (schema, name, database, adapter type from the source's
 * warehouse), vars, env, and the manifests that come before static resolution — `manifest_file` (outside
 * the repository), then `manifest_path` (inside it). A dbt Cloud job's manifest is fetched by the caller.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { LoadOptions } from '../adapters/dbt';
import { MAX_DBT_MANIFEST_BYTES, MAX_DBT_MANIFEST_DEPTH } from '../input/input-limits';
import { describeProblem, nestingProblem } from '../input/json-limits';
import { readBoundedText } from '../input/read-bounded-file';
import { UserError } from '../errors';

/** The dbt adapter type of each warehouse Backflow supports. */
const ADAPTERS: Record<string, string> = {
  postgres: 'postgres',
  redshift: 'redshift',
  snowflake: 'snowflake',
  bigquery: 'bigquery',
  databricks: 'databricks',
};

export function dbtLoadOptions(
  attributes: Record<string, unknown>,
  warehouse: unknown,
): Omit<LoadOptions, 'manifest' | 'previous'> {
  const vars = attributes.vars;
  const adapterType = typeof warehouse === 'string' ? ADAPTERS[warehouse] : undefined;
  return {
    projectPath: String(attributes.project_path ?? '.'),
    defaultSchema: String(attributes.default_schema),
    dbtVersion: String(attributes.dbt_version ?? '1.7'),
    env: process.env,
    ...(typeof attributes.target_name === 'string' ? { targetName: attributes.target_name } : {}),
    ...(typeof attributes.target_database === 'string' ? { targetDatabase: attributes.target_database } : {}),
    ...(vars && typeof vars === 'object' && !Array.isArray(vars)
      ? { vars: vars as Record<string, unknown> }
      : {}),
    ...(adapterType ? { adapterType } : {}),
  };
}

export type ManifestInput = { json: unknown; provenance: string };

/** `manifest_file` (relative to the config folder, `~` expanded), when set. */
export function manifestFromFile(
  address: string,
  attributes: Record<string, unknown>,
  configDir: string,
): ManifestInput | undefined {
  const f = attributes.manifest_file;
  if (typeof f !== 'string') return undefined;
  const path = f.startsWith('~/') ? join(homedir(), f.slice(2)) : isAbsolute(f) ? f : join(configDir, f);
  const text = readBoundedText(path, {
    what: `${address}: manifest_file`,
    shownAs: JSON.stringify(f),
    maxBytes: MAX_DBT_MANIFEST_BYTES,
    fix: 'Point manifest_file at the manifest.json your CI produced (relative to the config folder), or remove it.',
  });
  return { json: parseManifest(text, address, `manifest_file ${f}`), provenance: `manifest file ${f}` };
}

/** A manifest's JSON, nesting checked before parsing (the loader walks it recursively). */
function parseManifest(text: string, address: string, what: string): unknown {
  const deep = nestingProblem(text, MAX_DBT_MANIFEST_DEPTH);
  if (deep !== undefined)
    throw new UserError(`${address}: ${what} is not a dbt manifest: ${describeProblem(deep)}`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${address}: ${what} is not valid JSON (${(err as Error).message})`);
  }
}

/** `manifest_path` (a file of the repository at the commit being loaded), when set. */
export async function manifestFromRepository(
  address: string,
  attributes: Record<string, unknown>,
  files: { read(path: string): Promise<string> },
): Promise<ManifestInput | undefined> {
  if (typeof attributes.manifest_path !== 'string') return undefined;
  const path = attributes.manifest_path;
  let text: string;
  try {
    text = await files.read(path);
  } catch {
    throw new UserError(
      `${address}: manifest_path "${path}" is not a file of the repository at this commit`,
      'Commit the manifest.json there, fix manifest_path (relative to the repository root), or remove it.',
    );
  }
  return { json: parseManifest(text, address, path), provenance: `manifest ${path} in the repository` };
}
