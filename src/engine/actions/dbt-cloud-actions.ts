/**
 * dbt Cloud links: a create or update checks that the key works and the account exists, records the
 * account's name, and reconciles the link's webhook subscription to what the plan decided
 * (`computed.webhook`, see dbt-cloud-webhooks.ts): created (its HMAC secret goes to the webhook secret
 * store, never to state), `job_ids` updated, or deleted. Deleting a link deletes its subscription, the only
 * object in dbt Cloud that belongs to Backflow.
 *
 * Syncs scheduled by a dbt Cloud job record the job (name, project, state) when applied, checked again
 * against dbt Cloud: an active sync may not be scheduled by a job that does not exist or was deleted.
 */
import { DbtCloudError, type DbtCloudApi, type DbtCloudWebhookInput } from '../../adapters/dbtcloud';
import { UserError } from '../../errors';
import { withAddress } from '../dbt-cloud-clients';
import { webhookRecord, type WebhookRecord } from '../dbt-cloud-webhooks';
import { noSecretStore } from '../webhook-secrets';
import { dbtCloudSchedule, jobRecord } from '../refresh-dbt-cloud';
import type { ActionContext, ResourceActions } from './types';

async function ensure(ctx: ActionContext): Promise<Record<string, unknown>> {
  const r = ctx.desired!;
  try {
    const client = ctx.connections.dbtCloud.get(r.address, r.attributes);
    const account = await client.account();
    const webhook = await reconcileWebhook(ctx, client);
    return { account_name: account.name, host: client.host, ...(webhook ? { webhook } : {}) };
  } catch (err) {
    throw withAddress(r.address, err);
  }
}

function subscriptionInput(address: string, url: string, jobIds: number[]): DbtCloudWebhookInput {
  return {
    name: `Backflow ${address}`,
    description: 'Managed by Backflow: starts syncs after these jobs. Backflow apply undoes edits made here.',
    client_url: url,
    event_types: ['job.run.completed'],
    job_ids: jobIds,
    active: true,
  };
}

/** Makes the subscription what the plan says; returns the record state keeps (no secret in it). */
async function reconcileWebhook(ctx: ActionContext, client: DbtCloudApi): Promise<WebhookRecord | undefined> {
  const target = webhookRecord(ctx.change.computed?.webhook);
  const prior = webhookRecord(ctx.prior?.computed.webhook);
  if (!target) return prior; // a plan made before links had a trigger mode
  const address = ctx.change.address;
  const want = target.mode === 'webhook' && target.job_ids.length > 0 && target.url !== undefined;
  if (!want) {
    if (prior?.id) await deleteSubscription(ctx, client, prior.id);
    const { id: _id, url: _url, ...rest } = target;
    return { ...rest, job_ids: [] };
  }
  const input = subscriptionInput(address, target.url!, target.job_ids);
  if (prior?.id && target.id === prior.id) {
    if (await client.updateWebhook(prior.id, input)) return { ...target, id: prior.id };
    // Deleted in dbt Cloud since the plan: create it again.
  }
  const store = ctx.connections.webhookSecrets();
  if (!store) throw noSecretStore(address);
  // A subscription of this link that state does not know (an apply that died after creating it) has a
  // secret nobody kept: delete it rather than leave a second one delivering.
  for (const s of await client.webhooks())
    if (s.name === input.name && s.client_url === input.client_url && s.id !== prior?.id)
      await client.deleteWebhook(s.id);
  const created = await client.createWebhook(input);
  const secret = created.hmac_secret;
  try {
    if (typeof secret !== 'string' || secret === '')
      throw new UserError(`${address}: dbt Cloud created webhook ${created.id} without an hmac_secret`);
    await store.save(client.accountId, created.id, secret);
  } catch (err) {
    await client.deleteWebhook(created.id).catch(() => undefined);
    throw err;
  }
  if (prior?.id && prior.id !== created.id) await deleteSubscription(ctx, client, prior.id);
  return { ...target, id: created.id };
}

async function deleteSubscription(ctx: ActionContext, client: DbtCloudApi, id: string): Promise<void> {
  try {
    await client.deleteWebhook(id); // false: already gone, which is what we wanted
  } catch (err) {
    // A key that lost webhook permission cannot delete it; the agent forgets its secret below, so its
    // deliveries get 401 and dbt Cloud deactivates it after 5 failures. Anything else stops the apply.
    if (!(err instanceof DbtCloudError && err.kind === 'webhook_forbidden')) throw err;
  }
  await ctx.connections.webhookSecrets()?.forget(id);
}

export const dbtCloudActions: ResourceActions = {
  createsExternalObject: false,
  create: ensure,
  update: ensure,
  delete: async (ctx) => {
    const prior = ctx.prior;
    const id = webhookRecord(prior?.computed.webhook)?.id;
    if (!prior || !id) return;
    try {
      await deleteSubscription(ctx, ctx.connections.dbtCloud.get(ctx.change.address, prior.attributes), id);
    } catch (err) {
      throw withAddress(ctx.change.address, err);
    }
  },
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
