/**
 * The dbt loader's first source of relations for a Git sync with `manifest: { dbt_cloud, job_id }`: the
 * manifest.json of that job's latest successful run, with its provenance for the plan
 * (`dbt Cloud job 42 run 1234 finished 2026-01-02T03:04:05Z`). Cached on disk by run id.
 */
import { DbtCloudError } from './dbtcloud-errors';
import type { ParsedManifest } from './dbtcloud-manifest';
import { OBJECT_STATE, type DbtCloudJob, type DbtCloudRun } from './dbtcloud-types';

/** What this needs of a client (DbtCloudClient implements it). */
export interface ManifestClient {
  readonly accountId: number;
  job(jobId: number): Promise<DbtCloudJob>;
  latestSuccessfulRun(jobId: number): Promise<DbtCloudRun | undefined>;
  fetchManifest(runId: number, cacheDir?: string): Promise<ParsedManifest>;
}

export interface DbtCloudManifest {
  /** The parsed manifest.json. */
  json: Record<string, unknown>;
  /** One line for the plan: `dbt Cloud job 42 run 1234 finished 2026-01-02T03:04:05Z`. */
  provenance: string;
  job_id: number;
  job_name: string;
  run_id: number;
  /** ISO 8601, UTC. */
  finished_at: string;
  /** Manifest schema version, 9 to 12. */
  schema_version: number;
}

export async function manifestFromDbtCloud(
  client: ManifestClient,
  jobId: number,
  cacheDir?: string,
): Promise<DbtCloudManifest> {
  const job = await client.job(jobId); // an unknown job fails here, listing the jobs that exist
  if (job.state === OBJECT_STATE.deleted) {
    throw new DbtCloudError(
      'unknown_job',
      `dbt Cloud job ${jobId} ("${job.name}") was deleted in account ${client.accountId}`,
      'Point manifest.job_id at a job that builds this project, or remove manifest to resolve relations from the project files.',
    );
  }
  const run = await client.latestSuccessfulRun(jobId);
  if (run === undefined) {
    throw new DbtCloudError(
      'no_successful_run',
      `dbt Cloud job ${jobId} ("${job.name}") has no successful run yet, so it has no manifest.json to read`,
      'Run the job in dbt Cloud, or remove manifest from the Git sync to resolve relations from the project files.',
    );
  }
  const manifest = await client.fetchManifest(run.id, cacheDir);
  const finished = isoSeconds(run.finished_at ?? run.created_at);
  return {
    json: manifest.json,
    provenance: `dbt Cloud job ${jobId} run ${run.id} finished ${finished}`,
    job_id: jobId,
    job_name: job.name,
    run_id: run.id,
    finished_at: finished,
    schema_version: manifest.schemaVersion,
  };
}

/** dbt Cloud writes `2026-01-02 03:04:05.678901+00:00`; the plan shows `2026-01-02T03:04:05Z`. */
export function isoSeconds(text: string | null | undefined): string {
  if (!text) return 'at an unknown time';
  const t = Date.parse(text.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) ? text : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
