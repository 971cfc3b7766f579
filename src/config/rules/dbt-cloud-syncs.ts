/**
 * At most five syncs per model may be scheduled by dbt Cloud jobs (the same limit Segment sets), so a model
 * is not re-extracted many times for one job run.
 */
import { error, type Diagnostic } from '../../diagnostics';
import { attr, resourcesOf, type RuleContext } from './context';
import { pushTo } from '../../graph/multimap';
import { listSome } from '../did-you-mean';

export const MAX_DBT_CLOUD_SYNCS_PER_MODEL = 5;

export function dbtCloudSyncsPerModel(ctx: RuleContext): Diagnostic[] {
  const byModel = new Map<string, string[]>();
  for (const sync of resourcesOf(ctx, 'sync')) {
    if (attr(sync, 'schedule', 'strategy') !== 'dbt_cloud') continue;
    const model = `model.${String(attr(sync, 'model'))}`;
    pushTo(byModel, model, sync.address);
  }
  const out: Diagnostic[] = [];
  for (const [model, syncs] of byModel) {
    if (syncs.length <= MAX_DBT_CLOUD_SYNCS_PER_MODEL) continue;
    const listed = syncs.map((s) => {
      const at = ctx.at(s, ['schedule']);
      return at.file === undefined ? `  ${s}` : `  ${s} (${at.file} line ${at.line ?? '?'})`;
    });
    out.push(
      error(
        `${model} has ${syncs.length} syncs with a dbt_cloud schedule; at most ${MAX_DBT_CLOUD_SYNCS_PER_MODEL} are allowed: ${listSome(syncs, 10)}`,
        {
          // Point at the first sync over the limit: the one to move to another schedule.
          ...ctx.at(syncs[MAX_DBT_CLOUD_SYNCS_PER_MODEL], ['schedule']),
          address: model,
          detail: ['Syncs of this model scheduled by dbt Cloud:', ...listed].join('\n'),
        },
      ),
    );
  }
  return out;
}
