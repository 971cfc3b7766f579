/**
 * One-line notes from values the plan already knows about a change (its `computed`): the dbt Cloud account
 * a link reaches, the dbt Cloud job a sync runs after. The JSON plan carries them as `notes`; the human and
 * Markdown views print them under the change's header.
 */
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
  if (rc.type === 'sync' && isJob(c.dbt_cloud_job)) {
    const j = c.dbt_cloud_job;
    const project = j.project === undefined ? '' : ` in project ${JSON.stringify(j.project)}`;
    notes.push(
      j.state === 'deleted'
        ? `dbt Cloud job ${j.id} ${JSON.stringify(j.name)}${project} was deleted in dbt Cloud`
        : `runs after dbt Cloud job ${j.id} ${JSON.stringify(j.name)}${project}`,
    );
  }
  return notes;
}
