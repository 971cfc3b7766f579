/**
 * What a Git sync's settings tell the dbt loader, in one place, so `plan` (dbt-catalogs.ts) and `check`
 * load a project the same way: the target (schema, name, database, adapter type from the source's
 * warehouse), vars, env, and the manifests that come before static resolution — `manifest_file` (outside
 * the repository), then `manifest_path` (inside it). A dbt Cloud job's manifest is fetched by the caller.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { LoadOptions } from '../adapters/dbt';
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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(
      `${address}: manifest_file "${f}" cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      'Point manifest_file at the manifest.json your CI produced (relative to the config folder), or remove it.',
    );
  }
  try {
    return { json: JSON.parse(text), provenance: `manifest file ${f}` };
  } catch (err) {
    throw new UserError(`${address}: manifest_file ${f} is not valid JSON (${(err as Error).message})`);
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
  try {
    return { json: JSON.parse(text), provenance: `manifest ${path} in the repository` };
  } catch (err) {
    throw new UserError(`${address}: ${path} is not valid JSON (${(err as Error).message})`);
  }
}
