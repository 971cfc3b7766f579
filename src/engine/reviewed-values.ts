/**
 * `apply PLANFILE` acts on the configuration the plan was made from (verifyPlan compares the config files'
 * hash), but secret values are read again at apply, from the environment and secret files, and their
 * fingerprints are part of what was reviewed. This lists every resource whose attributes, as apply would
 * store them now, differ from the plan's: such a plan is stale, never applied with values nobody saw.
 */
import type { DesiredState } from '../config/desired';
import { changedAttributes } from './diff';
import { storedAttributes } from './fingerprint';
import type { Plan } from './plan';

/** `source.wh (settings)` for each change whose stored attributes would differ from its reviewed `after`. */
export function unreviewedValues(plan: Plan, desired: DesiredState, salt: string): string[] {
  const out: string[] = [];
  for (const change of plan.resource_changes) {
    if (change.after === null || change.action === 'no-op') continue;
    const resource = desired.resources.get(change.address);
    if (resource === undefined) {
      out.push(`${change.address} (no longer configured)`);
      continue;
    }
    const changed = changedAttributes(change.after, storedAttributes(resource, salt));
    if (changed.length > 0) out.push(`${change.address} (${changed.join(', ')})`);
  }
  return out;
}
