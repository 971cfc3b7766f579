/**
 * Turns desired resources and (refreshed) state into one ResourceChange per address: create, update in
 * place, replace, delete or no-op, attribute by attribute. Pure.
 */
import type { DesiredResource } from '../config/desired';
import type { ResourceState, StateFile } from '../state/types';
import { changedAttributes } from './diff';
import { plannedAttributes } from './fingerprint';
import type { ResourceChange } from './plan';
import { FORCE_NEW } from './resource-rules';

export function diffResource(
  desired: DesiredResource | undefined,
  prior: ResourceState | undefined,
  salt: string,
  address: string,
): ResourceChange {
  const type = (desired?.type ?? prior?.type)!;
  const name = (desired?.name ?? prior?.name)!;
  const base = { address, type, name, depends_on: [] as string[], replace_paths: [] as string[] };
  if (desired && !prior) {
    const after = plannedAttributes(desired, salt);
    return { ...base, action: 'create', before: null, after, changed: Object.keys(after).sort() };
  }
  if (!desired && prior) {
    return {
      ...base,
      action: 'delete',
      before: prior.attributes,
      after: null,
      changed: [],
      reason: 'delete_because_no_resource_config',
    };
  }
  const after = plannedAttributes(desired!, salt);
  const before = prior!.attributes;
  const changed = changedAttributes(before, after);
  if (prior!.tainted) {
    // A create was interrupted: the object may half-exist. Replacing it is safe because actions are idempotent.
    return { ...base, action: 'replace', before, after, changed, reason: 'replace_because_tainted' };
  }
  const replacePaths = changed.filter((k) => FORCE_NEW[type].includes(k));
  if (replacePaths.length > 0) {
    return {
      ...base,
      action: 'replace',
      before,
      after,
      changed,
      replace_paths: replacePaths,
      reason: 'replace_because_cannot_update',
    };
  }
  const repair = repairReason(prior!);
  if (changed.length > 0 || repair) {
    return { ...base, action: 'update', before, after, changed, ...(repair ? { reason: repair } : {}) };
  }
  return { ...base, action: 'no-op', before, after, changed };
}

/** A planned delete of a state resource (destroy mode). */
export function deleteChange(address: string, prior: ResourceState, reason: string): ResourceChange {
  return {
    address,
    type: prior.type,
    name: prior.name,
    action: 'delete',
    before: prior.attributes,
    after: null,
    changed: [],
    replace_paths: [],
    reason,
    depends_on: [],
  };
}

/**
 * Something Backflow owns is missing in the world, or an apply stopped half-way: an update puts it back
 * even though config did not change.
 */
function repairReason(prior: ResourceState): string | undefined {
  if (prior.type === 'source' && prior.computed.managed_schema_exists === false)
    return 'update_because_managed_schema_missing';
  if (prior.type === 'model' && prior.computed.snapshot_exists === false)
    return 'update_because_snapshot_missing';
  if (prior.type === 'sync' && prior.paused_by) return 'update_because_sync_left_paused';
  return undefined;
}

/** Addresses of every resource in state. */
export function stateAddresses(state: StateFile): string[] {
  return Object.keys(state.resources);
}
