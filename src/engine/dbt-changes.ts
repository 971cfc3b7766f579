/**
 * What Git syncs and dbt-backed models add to a plan: a Git sync whose branch moved is updated (the model
 * sync records the new commit and catalog digest); a dbt model whose resolved relation changed upstream
 * is an output change of the model — which the detachment rule then guards — and every dbt model change
 * carries its resolution (relation, provenance, primary key, commit) for display and for apply. Pure.
 */
import type { StateFile } from '../state/types';
import type { ResourceChange } from './plan';
import type { World } from './world';

export const UPSTREAM_REASON = 'update_because_dbt_model_changed_upstream';

export function addDbtChanges(changes: Map<string, ResourceChange>, world: World, state: StateFile): void {
  for (const [address, obs] of world.gitSyncs ?? []) {
    const change = changes.get(address);
    if (!change || !('commit' in obs) || change.action === 'delete') continue;
    change.computed = {
      ...change.computed,
      commit: obs.commit,
      catalog_digest: obs.catalog.digest,
      model_count: obs.catalog.models.length,
    };
    const prior = state.resources[address];
    if (change.action === 'no-op' && prior && prior.computed.commit !== obs.commit) {
      change.action = 'update';
      change.reason = 'update_because_new_commit';
    }
  }
  for (const [address, res] of world.dbtModels ?? []) {
    const change = changes.get(address);
    if (!change || !res.ok || change.action === 'delete') continue;
    const effective = world.models.get(address)?.effectiveSql;
    change.computed = {
      ...change.computed,
      relation: res.relation,
      resolution: res.resolution,
      ...(effective !== undefined ? { effective_sql: effective } : {}),
      ...(res.primaryKey !== undefined ? { primary_key: res.primaryKey } : {}),
      primary_key_from: res.primaryKeyFrom,
      git_sync: res.gitSync,
      commit: res.commit,
    };
    const prior = state.resources[address];
    const before = prior?.computed.effective_sql;
    if (prior && effective !== undefined && before !== undefined && before !== effective) {
      if (!change.changed.includes('dbt_model')) change.changed = [...change.changed, 'dbt_model'].sort();
      if (change.action === 'no-op') {
        change.action = 'update';
        change.reason = UPSTREAM_REASON;
      }
    }
  }
}
