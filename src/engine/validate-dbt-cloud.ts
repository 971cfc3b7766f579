/**
 * Plan-time checks against what refresh saw of dbt Cloud (pure given the World): every `dbt_cloud` change
 * learns its account's name, and every sync scheduled by a dbt Cloud job — changed or not — is checked:
 * the job exists in that account and is not deleted. The job's name and project go into the change's
 * `computed`, which the views show. A job deleted upstream is an error while the sync is active, a warning
 * when it is disabled.
 */
import { describeJobs } from '../adapters/dbtcloud';
import type { DesiredState } from '../config/desired';
import { error, warning, type Diagnostic } from '../diagnostics';
import type { StateFile } from '../state/types';
import type { ResourceChange } from './plan';
import { dbtCloudSchedule, jobRecord, type JobRecord } from './refresh-dbt-cloud';
import type { World } from './world';

export function validateDbtCloud(
  changes: Map<string, ResourceChange>,
  world: World,
  desired: DesiredState,
  state: StateFile,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  if (!world.refreshed || !world.dbtCloud) return diagnostics;
  for (const change of changes.values()) {
    if (change.action === 'delete') continue;
    if (change.type === 'dbt_cloud') {
      const account = world.dbtCloud.get(change.address)?.account;
      if (account) change.computed = { ...change.computed, account_name: account.name };
    } else if (change.type === 'sync') {
      diagnostics.push(...checkSync(change, world, desired, state));
    }
  }
  return diagnostics;
}

function checkSync(
  change: ResourceChange,
  world: World,
  desired: DesiredState,
  state: StateFile,
): Diagnostic[] {
  const resource = desired.resources.get(change.address);
  const schedule = dbtCloudSchedule(resource?.attributes);
  if (!resource || !schedule) return [];
  const obs = world.dbtCloud?.get(schedule.link);
  if (!obs?.jobs) return []; // the link itself failed (already an error), or was not read
  const { origin } = resource;
  const where = {
    address: change.address,
    file: origin.file,
    path: `${origin.path}.schedule.job_id`,
    construct: origin.construct,
  };
  const accountId = obs.account?.id ?? '?';
  const live = [...obs.jobs.values()].filter((j) => j.state === 'active');
  const listing = live.length > 0 ? describeJobs(live) : 'The account has no jobs.';
  const job = obs.jobs.get(schedule.jobId);
  const recorded = state.resources[change.address]?.computed.dbt_cloud_job as JobRecord | undefined;

  if (job?.state === 'active') {
    change.computed = { ...change.computed, dbt_cloud_job: jobRecord(job) };
    return [];
  }
  const knewIt = recorded?.id === schedule.jobId;
  if (!job && !knewIt) {
    return [
      error(
        `${change.address}: dbt Cloud job ${schedule.jobId} does not exist in account ${accountId} (${schedule.link})`,
        {
          ...where,
          detail: `${listing}\nSet schedule.job_id to one of them (\`backflow dbt-cloud jobs ${schedule.link.slice('dbt_cloud.'.length)}\` lists every job with its last run).`,
        },
      ),
    ];
  }
  // Deleted upstream: marked deleted (state 2), or gone from the list after state had recorded it.
  const name = job?.name ?? recorded?.name;
  const deleted: JobRecord = job ? jobRecord(job) : { ...(recorded as JobRecord), state: 'deleted' };
  change.computed = { ...change.computed, dbt_cloud_job: deleted };
  const what = `dbt Cloud job ${schedule.jobId}${name ? ` ("${name}")` : ''} was deleted in dbt Cloud`;
  if (resource.attributes.enabled !== false) {
    return [
      error(`${change.address}: ${what}, and the sync is active`, {
        ...where,
        detail:
          `The sync runs after each successful run of that job, so it would never run again. ` +
          `Point schedule.job_id at another job of account ${accountId}, give the sync another schedule, ` +
          `or disable it ("enabled": false).\n${listing}`,
      }),
    ];
  }
  return [
    warning(`${change.address}: ${what}; the sync is disabled, so nothing runs`, {
      ...where,
      detail: 'Point schedule.job_id at another job before enabling the sync again.',
    }),
  ];
}
