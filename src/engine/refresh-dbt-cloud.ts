/**
 * Refresh of dbt Cloud: for each `dbt_cloud` link in config, check the key and the account (one request)
 * and, when some sync is scheduled by the link, list its jobs once (every page, with project names) — a
 * fixed number of requests per link, however many syncs use it. Observations go into the World for the
 * planner; differences with state are drift: an account renamed, a job renamed, moved or deleted upstream.
 */
import pLimit from 'p-limit';
import { DbtCloudError } from '../adapters/dbtcloud';
import type { JobSummary } from '../adapters/dbtcloud/dbtcloud-types';
import type { DesiredState } from '../config/desired';
import { error, warning, type Diagnostic } from '../diagnostics';
import { UserError } from '../errors';
import type { ResourceState, StateFile } from '../state/types';
import type { DbtCloudClients } from './dbt-cloud-clients';
import { withAddress } from './dbt-cloud-clients';
import { TRUST_HINT } from './endpoint-trust';
import type { DriftEntry } from './plan';
import type { EndpointGate } from './refresh';
import type { DbtCloudObservation } from './world';
import { wantsWebhookRead, webhookRecord } from './dbt-cloud-webhooks';

export interface DbtCloudRefresh {
  observations: Map<string, DbtCloudObservation>;
  drift: DriftEntry[];
  diagnostics: Diagnostic[];
}

/** What state records of a sync's dbt Cloud job (computed `dbt_cloud_job`). */
export interface JobRecord {
  id: number;
  name: string;
  project_id: number;
  project: string;
  state: 'active' | 'deleted';
}

export function jobRecord(job: JobSummary): JobRecord {
  return { id: job.id, name: job.name, project_id: job.project_id, project: job.project, state: job.state };
}

/** The link and job a sync's schedule names, when it is a dbt_cloud schedule. */
export function dbtCloudSchedule(
  attributes: Record<string, unknown> | undefined,
): { link: string; jobId: number } | undefined {
  const s = attributes?.schedule as Record<string, unknown> | undefined;
  if (s?.strategy !== 'dbt_cloud' || typeof s.dbt_cloud !== 'string') return undefined;
  return { link: `dbt_cloud.${s.dbt_cloud}`, jobId: Number(s.job_id) };
}

/** Reads every dbt_cloud link of config. Mutates `state` (a refreshed copy): computed values as seen now. */
export async function refreshDbtCloud(
  desired: DesiredState,
  state: StateFile,
  clients: DbtCloudClients,
  untrusted: EndpointGate = () => undefined,
): Promise<DbtCloudRefresh> {
  const observations = new Map<string, DbtCloudObservation>();
  const diagnostics: Diagnostic[] = [];
  const drift: DriftEntry[] = [];
  const links = [...desired.resources.values()].filter((r) => r.type === 'dbt_cloud');
  if (links.length === 0) return { observations, drift, diagnostics };

  const needJobs = new Set<string>();
  for (const r of desired.resources.values()) {
    const s = r.type === 'sync' ? dbtCloudSchedule(r.attributes) : undefined;
    if (s) needJobs.add(s.link);
  }
  for (const r of Object.values(state.resources)) {
    const s = r.type === 'sync' ? dbtCloudSchedule(r.attributes) : undefined;
    if (s) needJobs.add(s.link);
  }

  const limit = pLimit(5);
  await Promise.all(
    links.map((link) =>
      limit(async () => {
        const obs: DbtCloudObservation = {};
        const why = untrusted('dbt_cloud', link.attributes);
        if (why !== undefined) {
          // Planned without asking dbt Cloud: the account and the jobs syncs name are checked by apply.
          obs.deferred = why;
          observations.set(link.address, obs);
          diagnostics.push(
            warning(`${link.address}: not contacted by plan: ${why}`, {
              address: link.address,
              file: link.origin.file,
              path: link.origin.path,
              detail: `Its account and the dbt Cloud jobs syncs are scheduled by are checked by apply, after review. ${TRUST_HINT}`,
            }),
          );
          return;
        }
        try {
          const client = clients.get(link.address, link.attributes);
          const account = await client.account();
          obs.account = { id: account.id, name: account.name };
          if (needJobs.has(link.address)) {
            const jobs = await client.jobSummaries({ environments: false });
            obs.jobs = new Map(jobs.map((j) => [j.id, j]));
          }
          if (wantsWebhookRead(link.attributes, state.resources[link.address]?.computed.webhook)) {
            try {
              obs.webhooks = { permitted: true, subscriptions: await client.webhooks() };
            } catch (err) {
              if (!(err instanceof DbtCloudError && err.kind === 'webhook_forbidden')) throw err;
              obs.webhooks = { permitted: false, subscriptions: [] };
            }
          }
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          const e = withAddress(link.address, err) as UserError;
          const field = (err as { field?: string }).field;
          obs.error = err.message;
          diagnostics.push(
            error(`${e.message}`, {
              address: link.address,
              file: link.origin.file,
              path: field ? `${link.origin.path}.${field}` : link.origin.path,
              line: field ? undefined : link.origin.line,
              column: field ? undefined : link.origin.column,
              construct: link.origin.construct,
              detail: [
                e.hint,
                'Plan checks every dbt Cloud link. Fix it, or plan with -refresh=false to trust state.',
              ]
                .filter(Boolean)
                .join('\n'),
            }),
          );
        }
        observations.set(link.address, obs);
      }),
    ),
  );

  for (const [address, r] of Object.entries(state.resources)) {
    if (r.type === 'dbt_cloud') {
      accountDrift(address, r, observations.get(address), drift);
      webhookDrift(address, r, observations.get(address), drift);
    }
    if (r.type === 'sync') jobDrift(address, r, observations, drift);
  }
  return { observations, drift, diagnostics };
}

function accountDrift(
  address: string,
  r: ResourceState,
  obs: DbtCloudObservation | undefined,
  drift: DriftEntry[],
): void {
  if (!obs?.account) return;
  const before = r.computed.account_name;
  if (before !== undefined && before !== obs.account.name) {
    drift.push({
      address,
      type: r.type,
      name: r.name,
      kind: 'changed',
      attributes: [{ path: 'account_name', before, after: obs.account.name }],
    });
  }
  r.computed.account_name = obs.account.name;
}

/** A sync's recorded job against the account's jobs now: renamed, moved to another project, or deleted. */
function jobDrift(
  address: string,
  r: ResourceState,
  observations: Map<string, DbtCloudObservation>,
  drift: DriftEntry[],
): void {
  const schedule = dbtCloudSchedule(r.attributes);
  const recorded = r.computed.dbt_cloud_job as JobRecord | undefined;
  if (!schedule || !recorded || typeof recorded.id !== 'number') return;
  const jobs = observations.get(schedule.link)?.jobs;
  if (!jobs) return;
  const seen = jobs.get(recorded.id);
  // A job gone from the list is as deleted as one dbt Cloud marks deleted (state 2).
  const now: JobRecord = seen ? jobRecord(seen) : { ...recorded, state: 'deleted' };
  const changes: DriftEntry['attributes'] = [];
  for (const key of ['name', 'project', 'state'] as const) {
    if (recorded[key] !== now[key])
      changes.push({ path: `dbt_cloud_job.${key}`, before: recorded[key], after: now[key] });
  }
  if (changes.length === 0) return;
  r.computed.dbt_cloud_job = now;
  drift.push({ address, type: r.type, name: r.name, kind: 'changed', attributes: changes });
}

/**
 * The recorded subscription against dbt Cloud's: deleted there (the plan creates it again) or its jobs or
 * URL edited there (the plan puts them back). Unreadable (403) leaves state alone.
 */
function webhookDrift(
  address: string,
  r: ResourceState,
  obs: DbtCloudObservation | undefined,
  drift: DriftEntry[],
): void {
  const recorded = webhookRecord(r.computed.webhook);
  if (!recorded?.id || !obs?.webhooks?.permitted) return;
  const live = obs.webhooks.subscriptions.find((s) => s.id === recorded.id);
  if (!live) {
    drift.push({
      address,
      type: r.type,
      name: r.name,
      kind: 'changed',
      attributes: [{ path: 'webhook.id', before: recorded.id, after: null }],
    });
    const { id: _gone, url: _url, ...rest } = recorded;
    r.computed.webhook = { ...rest, job_ids: [] };
    return;
  }
  const jobIds = live.job_ids.map(Number).sort((a, b) => a - b);
  const changes: DriftEntry['attributes'] = [];
  if (jobIds.join(',') !== recorded.job_ids.join(','))
    changes.push({ path: 'webhook.job_ids', before: recorded.job_ids, after: jobIds });
  if (live.client_url !== recorded.url)
    changes.push({ path: 'webhook.url', before: recorded.url, after: live.client_url });
  if (!live.active) changes.push({ path: 'webhook.active', before: true, after: false });
  if (changes.length === 0) return;
  drift.push({ address, type: r.type, name: r.name, kind: 'changed', attributes: changes });
  // An inactive subscription is planned as an update, which sets active again.
  r.computed.webhook = { ...recorded, job_ids: live.active ? jobIds : [], url: live.client_url };
}
