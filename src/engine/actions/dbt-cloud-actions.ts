/**
 * dbt Cloud links: a create or update checks that the key works and the account exists, and records the
 * account's name. Deleting a link forgets it (nothing in dbt Cloud belongs to Backflow).
 *
 * Syncs scheduled by a dbt Cloud job record the job (name, project, state) when applied, checked again
 * against dbt Cloud: an active sync may not be scheduled by a job that does not exist or was deleted.
 */
import { DbtCloudError } from '../../adapters/dbtcloud';
import { UserError } from '../../errors';
import { withAddress } from '../dbt-cloud-clients';
import { dbtCloudSchedule, jobRecord } from '../refresh-dbt-cloud';
import type { ActionContext, ResourceActions } from './types';

async function ensure(ctx: ActionContext): Promise<Record<string, unknown>> {
  const r = ctx.desired!;
  try {
    const client = ctx.connections.dbtCloud.get(r.address, r.attributes);
    const account = await client.account();
    return { account_name: account.name, host: client.host };
  } catch (err) {
    throw withAddress(r.address, err);
  }
}

export const dbtCloudActions: ResourceActions = {
  createsExternalObject: false,
  create: ensure,
  update: ensure,
  delete: async () => undefined,
};

/** Computed values of a sync scheduled by a dbt Cloud job (`{}` for any other schedule). */
export async function dbtCloudScheduleComputed(ctx: ActionContext): Promise<Record<string, unknown>> {
  const r = ctx.desired!;
  const schedule = dbtCloudSchedule(r.attributes);
  if (!schedule) return {};
  const link = ctx.desiredState.resources.get(schedule.link) ?? ctx.state.get(schedule.link);
  if (!link) throw new UserError(`${r.address}: ${schedule.link} is not in the configuration`);
  let job;
  try {
    job = jobRecord(
      await ctx.connections.dbtCloud.get(schedule.link, link.attributes).jobSummary(schedule.jobId),
    );
  } catch (err) {
    if (err instanceof DbtCloudError && err.kind === 'unknown_job')
      throw new UserError(`${r.address}: ${err.message} (${schedule.link})`, err.hint);
    throw withAddress(schedule.link, err);
  }
  if (job.state === 'deleted' && r.attributes.enabled !== false) {
    throw new UserError(
      `${r.address}: dbt Cloud job ${job.id} ("${job.name}") was deleted in dbt Cloud, and the sync is active`,
      'Point schedule.job_id at another job, give the sync another schedule, or disable it ("enabled": false).',
    );
  }
  return { dbt_cloud_job: job };
}
