/**
 * What the loader is asked to do, and what it returns.
 */
import type { DbtCatalog } from './catalog';
import { DbtLoadError } from './errors';
import type { PackageMount } from './package-mounts';

/** Opaque and JSON-serialisable: the engine stores it on disk between runs. */
export type LoaderCache = unknown;

export interface LoadOptions {
  /** The git sync's project_path ('.' by default), relative to the repository root. */
  projectPath: string;
  /** The git sync's default_schema: the dbt target schema. */
  defaultSchema: string;
  /** The target database, when known (otherwise relations carry no database unless a model sets one). */
  targetDatabase?: string;
  /**
   * The dbt target's name, when known. Naming macros that compare it with 'prod' (dbt's
   * `generate_schema_name_for_env`) assume it is not 'prod' when this is unset.
   */
  targetName?: string;
  /**
   * The dbt adapter type (`postgres`, `redshift`, `snowflake`, `bigquery`, `databricks`): `target.type`,
   * and which `<adapter>__` variant `adapter.dispatch` picks. From the source's warehouse.
   */
  adapterType?: string;
  /** '1.7', '1.8', '1.9' or '1.10' (a patch level such as '1.7.4' is accepted). */
  dbtVersion: string;
  /** var() values, as `--vars` on dbt's command line: they beat dbt_project.yml's vars and var() defaults. */
  vars?: Record<string, unknown>;
  /** env_var() values. */
  env?: Record<string, string | undefined>;
  /** A manifest.json (parsed, or its text), first in the resolution chain, with its provenance for the plan. */
  manifest?: { json: unknown; provenance: string };
  /**
   * Packages fetched from what packages.yml names (the engine fetches them), installed as `dbt deps`
   * would: under the root project's packages-install-path, unless the repository commits them there.
   */
  packages?: PackageMount[];
  /** The cache of the last load: files whose content id is unchanged are neither read nor parsed again. */
  previous?: LoaderCache;
}

export interface LoadResult {
  catalog: DbtCatalog;
  cache: LoaderCache;
  stats: { filesRead: number; filesReused: number };
}

export const SUPPORTED_DBT_VERSIONS = ['1.7', '1.8', '1.9', '1.10'];

export function checkDbtVersion(version: string): string {
  const m = /^v?(\d+\.\d+)(?:\.\d+.*)?$/.exec(String(version).trim());
  if (!m || !SUPPORTED_DBT_VERSIONS.includes(m[1])) {
    throw new DbtLoadError(
      `dbt_version ${JSON.stringify(version)} is not supported by the dbt loader (supported: ${SUPPORTED_DBT_VERSIONS.join(', ')})`,
      { hint: `Set the git sync's dbt_version to one of ${SUPPORTED_DBT_VERSIONS.join(', ')}.` },
    );
  }
  return m[1];
}
