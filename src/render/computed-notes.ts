/**
 * One-line notes from values the plan already knows about a change (its `computed`): the dbt Cloud account
 * a link reaches, the dbt Cloud job a sync runs after, and for a dbt-backed model the relation it reads,
 * how that was resolved (manifest, dbt Cloud run, static with which override) and its primary key with
 * where it came from. The JSON plan carries them as `notes`; the human and Markdown views print them under
 * the change's header.
 */
import type { WebhookChange, WebhookRecord } from '../engine/dbt-cloud-webhooks';
import type { ResourceChange } from '../engine/plan';

interface JobNote {
  id: number;
  name: string;
  project?: string;
  state?: string;
}

function isJob(v: unknown): v is JobNote {
  return typeof v === 'object' && v !== null && typeof (v as JobNote).id === 'number';
}

export function computedNotes(rc: ResourceChange): string[] {
  const c = rc.computed ?? {};
  const notes: string[] = [];
  if (rc.type === 'dbt_cloud' && typeof c.account_name === 'string') {
    notes.push(`dbt Cloud account ${String(rc.after?.account_id ?? '')}: ${JSON.stringify(c.account_name)}`);
  }
  if (rc.type === 'dbt_cloud') notes.push(...webhookNotes(c.webhook, c.webhook_change));
  if (rc.type === 'sync' && isJob(c.dbt_cloud_job)) {
    const j = c.dbt_cloud_job;
    const project = j.project === undefined ? '' : ` in project ${JSON.stringify(j.project)}`;
    notes.push(
      j.state === 'deleted'
        ? `dbt Cloud job ${j.id} ${JSON.stringify(j.name)}${project} was deleted in dbt Cloud`
        : `runs after dbt Cloud job ${j.id} ${JSON.stringify(j.name)}${project}`,
    );
  }
  if (rc.type === 'model') notes.push(...dbtModelNotes(c));
  return notes;
}

interface RelationNote {
  database?: string;
  schema: string;
  name: string;
}

function isRelation(v: unknown): v is RelationNote {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as RelationNote).schema === 'string' &&
    typeof (v as RelationNote).name === 'string'
  );
}

/** `static: static-override: …` → `static-override: …` (the engine prefixes the provenance's own kind). */
function resolutionText(s: string): string {
  const m = /^([a-z-]+): (.*)$/s.exec(s);
  if (m && m[2].startsWith(m[1])) return m[2];
  return s;
}

function dbtModelNotes(c: Record<string, unknown>): string[] {
  if (!isRelation(c.relation) || typeof c.resolution !== 'string') return [];
  const r = c.relation;
  const relation = [r.database, r.schema, r.name].filter((x) => x !== undefined).join('.');
  const out = [`dbt model reads ${relation}, resolved by ${resolutionText(c.resolution)}`];
  if (typeof c.primary_key === 'string') {
    const from = typeof c.primary_key_from === 'string' ? c.primary_key_from : 'configuration';
    out.push(
      from === 'configuration'
        ? `primary key ${JSON.stringify(c.primary_key)} (set in the configuration)`
        : `primary key ${JSON.stringify(c.primary_key)} chosen from ${from}: primary_key was omitted`,
    );
  }
  return out;
}

const ids = (xs: readonly number[]): string => `[${xs.join(',')}]`;

/** `triggers: …` (the mode and why) and `webhook: …` (what apply does to the subscription). */
function webhookNotes(w: unknown, change: unknown): string[] {
  const notes: string[] = [];
  const target = w as WebhookRecord | undefined;
  if (target && (target.mode === 'webhook' || target.mode === 'poll')) {
    notes.push(
      target.mode === 'webhook'
        ? `triggers: webhook (${target.reason})`
        : `triggers: polling the jobs' runs (${target.reason})`,
    );
  }
  const c = change as WebhookChange | undefined;
  if (!c) return notes;
  switch (c.action) {
    case 'create':
      notes.push(`webhook: create subscription for job_ids ${ids(c.after_job_ids)} (id known after apply)`);
      break;
    case 'replace':
      notes.push(
        `webhook: replace subscription ${c.id} (new HMAC secret; id known after apply), job_ids ${ids(c.after_job_ids)}`,
      );
      break;
    case 'delete':
      notes.push(`webhook: delete subscription ${c.id} (job_ids ${ids(c.before_job_ids)})`);
      break;
    case 'update':
      if (ids(c.before_job_ids) !== ids(c.after_job_ids))
        notes.push(`webhook: job_ids ${ids(c.before_job_ids)} -> ${ids(c.after_job_ids)}`);
      if (c.before_url !== c.after_url)
        notes.push(`webhook: client_url ${c.before_url ?? '(none)'} -> ${c.after_url ?? '(none)'}`);
      break;
  }
  return notes;
}
