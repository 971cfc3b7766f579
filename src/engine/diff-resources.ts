/**
 * Turns desired resources and (refreshed) state into one ResourceChange per address: create, update in
 * place, replace, delete or no-op, attribute by attribute. Pure.
 */
import type { DesiredResource } from '../config/desired';
import type { ResourceState, StateFile } from '../state/types';
import { changedAttributes } from './diff';
import { plannedAttributes } from './fingerprint';
import type { Action, ResourceChange } from './plan';
import type { ResourceType } from '../graph/address';
import { FORCE_NEW } from './resource-rules';
import { sortStrings } from './sort-strings';

export function diffResource(
  desired: DesiredResource | undefined,
  prior: ResourceState | undefined,
  salt: string,
  address: string,
): ResourceChange {
  // Each change is one object literal in one key order (the order plan files and JSON output show): no
  // spread of a shared base per resource of a 20,000-resource plan.
  if (desired && !prior) {
    const after = plannedAttributes(desired, salt);
    return change(
      address,
      desired.type,
      desired.name,
      'create',
      null,
      after,
      sortStrings(Object.keys(after)),
    );
  }
  if (!desired && prior) {
    const c = change(address, prior.type, prior.name, 'delete', prior.attributes, null, []);
    c.reason = 'delete_because_no_resource_config';
    return c;
  }
  const type = desired!.type;
  const name = desired!.name;
  const after = plannedAttributes(desired!, salt);
  const before = prior!.attributes;
  const changed = changedAttributes(before, after);
  if (prior!.tainted) {
    // A create was interrupted: the object may half-exist. Replacing it is safe because actions are idempotent.
    const c = change(address, type, name, 'replace', before, after, changed);
    c.reason = 'replace_because_tainted';
    return c;
  }
  if (changed.length > 0) {
    const forceNew = FORCE_NEW[type];
    const replacePaths = changed.filter((k) => forceNew.includes(k));
    if (replacePaths.length > 0) {
      const c = change(address, type, name, 'replace', before, after, changed);
      c.replace_paths = replacePaths;
      c.reason = 'replace_because_cannot_update';
      return c;
    }
  }
  const repair = repairReason(prior!);
  if (changed.length > 0 || repair) {
    const c = change(address, type, name, 'update', before, after, changed);
    if (repair) c.reason = repair;
    return c;
  }
  return change(address, type, name, 'no-op', before, after, changed);
}

function change(
  address: string,
  type: ResourceType,
  name: string,
  action: Action,
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  changed: string[],
): ResourceChange {
  return { address, type, name, depends_on: [], replace_paths: [], action, before, after, changed };
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
