/**
 * The dbt Cloud webhook subscription as a computed part of a `dbt_cloud` link (pure given the World).
 * Per link: which mode the agent uses to learn that a job finished (a webhook, or polling the job's runs,
 * and why), and the one subscription apply keeps for the jobs the link's enabled syncs run after —
 * created when the first such sync appears, its `job_ids` updated when the set changes, deleted when no
 * sync needs it. A link whose subscription must change is planned as an update even when its attributes
 * did not change. The subscription's HMAC secret is in none of this (see webhook-secrets.ts).
 */
import type { DesiredState } from '../config/desired';
import { error, type Diagnostic } from '../diagnostics';
import type { StateFile } from '../state/types';
import type { ResourceChange } from './plan';
import type { World } from './world';

/** Loaded when a dbt_cloud link is planned: a plan without one never needs dbt Cloud's refresh code. */
const loadRefreshDbtCloud = () => require('./refresh-dbt-cloud') as typeof import('./refresh-dbt-cloud');

/** `computed.webhook` of a dbt_cloud link, in the plan (the target) and in state (as applied). */
export interface WebhookRecord {
  mode: 'webhook' | 'poll';
  /** Why this mode, for the plan and the dashboard. */
  reason: string;
  /** Jobs the subscription lists (sorted); `[]` when there is none. */
  job_ids: number[];
  /** The subscription's id; absent while none exists (the plan shows "known after apply" for a create). */
  id?: string;
  /** Where dbt Cloud delivers (the link's webhook_url) while a subscription exists. */
  url?: string;
}

/** What the plan shows about the subscription (display only; apply acts on `webhook`). */
export interface WebhookChange {
  action: 'create' | 'update' | 'delete' | 'replace';
  id?: string;
  before_job_ids: number[];
  after_job_ids: number[];
  before_url?: string;
  after_url?: string;
}

export const FORBIDDEN_REASON = 'the API key may not manage webhooks (HTTP 403 from the v3 webhooks API)';

export function webhookRecord(value: unknown): WebhookRecord | undefined {
  const v = value as WebhookRecord | undefined;
  return v && (v.mode === 'webhook' || v.mode === 'poll') && Array.isArray(v.job_ids) ? v : undefined;
}

/** Jobs of `link` that enabled syncs in config run after, sorted. */
export function linkJobIds(desired: DesiredState, link: string): number[] {
  const ids = new Set<number>();
  const { dbtCloudSchedule } = loadRefreshDbtCloud();
  for (const r of desired.resources.values()) {
    if (r.type !== 'sync' || r.attributes.enabled === false) continue;
    const s = dbtCloudSchedule(r.attributes);
    if (s?.link === link && Number.isInteger(s.jobId)) ids.add(s.jobId);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Whether refresh should read the link's subscriptions: it wants a webhook, or state records one. */
export function wantsWebhookRead(attributes: Record<string, unknown>, recorded: unknown): boolean {
  const wants = attributes.trigger_mode !== 'poll' && typeof attributes.webhook_url === 'string';
  return wants || webhookRecord(recorded)?.id !== undefined;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function planWebhooks(
  changes: Map<string, ResourceChange>,
  desired: DesiredState,
  state: StateFile,
  world: World,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // The links first, by forEach: no iterator result per change of a 20,000-resource plan.
  const links: ResourceChange[] = [];
  changes.forEach((c) => {
    if (c.type === 'dbt_cloud') links.push(c);
  });
  for (const change of links) {
    const prior = webhookRecord(state.resources[change.address]?.computed.webhook);
    if (change.action === 'delete') {
      if (prior?.id)
        change.computed = {
          ...change.computed,
          webhook_change: {
            action: 'delete',
            id: prior.id,
            before_job_ids: prior.job_ids,
            after_job_ids: [],
          } satisfies WebhookChange,
        };
      continue;
    }
    const resource = desired.resources.get(change.address);
    if (!resource) continue;
    const a = resource.attributes;
    const mode = (a.trigger_mode as string | undefined) ?? 'auto';
    const url = typeof a.webhook_url === 'string' ? a.webhook_url : undefined;
    const seen = world.refreshed ? world.dbtCloud?.get(change.address)?.webhooks : undefined;
    const where = {
      address: change.address,
      file: resource.origin.file,
      construct: resource.origin.construct,
    };
    let target: WebhookRecord;
    if (mode === 'poll') {
      target = { mode: 'poll', reason: 'trigger_mode is "poll"', job_ids: [] };
    } else if (url === undefined) {
      if (mode === 'webhook')
        diagnostics.push(
          error(`${change.address}: trigger_mode "webhook" needs webhook_url`, {
            ...where,
            path: `${resource.origin.path}.webhook_url`,
            detail:
              'Set webhook_url to the agent\'s /webhooks/dbt-cloud as dbt Cloud reaches it, e.g. "https://backflow.example.com/webhooks/dbt-cloud", or use trigger_mode "auto" or "poll".',
          }),
        );
      target = { mode: 'poll', reason: 'no webhook_url: dbt Cloud has nowhere to deliver', job_ids: [] };
    } else if (seen?.permitted === false || (!seen && prior?.reason === FORBIDDEN_REASON)) {
      if (mode === 'webhook')
        diagnostics.push(
          error(`${change.address}: the API key may not manage webhooks, and trigger_mode is "webhook"`, {
            ...where,
            path: `${resource.origin.path}.api_key`,
            detail:
              'dbt Cloud answered 403 to the v3 webhooks API. Give the service token the "Webhooks Only" permission set (or Account Admin), or set trigger_mode "auto" (or "poll") to have the agent poll the jobs\' runs.',
          }),
        );
      target = { mode: 'poll', reason: FORBIDDEN_REASON, job_ids: [] };
    } else {
      const jobIds = linkJobIds(desired, change.address);
      target = {
        mode: 'webhook',
        reason: `dbt Cloud delivers to ${url}`,
        job_ids: jobIds,
        ...(jobIds.length > 0 ? { url } : {}),
      };
    }

    const want = target.mode === 'webhook' && target.job_ids.length > 0;
    const have = prior?.id !== undefined;
    let action: WebhookChange['action'] | undefined;
    if (want && (!have || change.action === 'replace')) action = have ? 'replace' : 'create';
    else if (want && have && (!sameIds(prior!.job_ids, target.job_ids) || prior!.url !== target.url))
      action = 'update';
    else if (!want && have) action = 'delete';
    if (want && have && action !== 'replace') target.id = prior!.id;

    const computed: Record<string, unknown> = { ...change.computed, webhook: target };
    if (action)
      computed.webhook_change = {
        action,
        ...(have ? { id: prior!.id } : {}),
        before_job_ids: prior?.id ? prior.job_ids : [],
        after_job_ids: want ? target.job_ids : [],
        ...(prior?.url !== target.url ? { before_url: prior?.url, after_url: target.url } : {}),
      } satisfies WebhookChange;
    change.computed = computed;
    const modeChanged = prior !== undefined && (prior.mode !== target.mode || prior.reason !== target.reason);
    if (change.action === 'no-op' && (action !== undefined || modeChanged)) {
      change.action = 'update';
      change.reason = action ? 'update_because_webhook_subscription' : 'update_because_trigger_mode';
    }
  }
  return diagnostics;
}
