/**
 * The planner: a pure function from desired state, refreshed state and what refresh saw to a Plan. It
 * diffs, applies the rules (detachment, prevent_destroy, model checks), restricts to targets and orders
 * the changes by the dependency graph.
 */
import type { DesiredState } from '../config/desired';
import { error, hasErrors, warning, type Diagnostic } from '../diagnostics';
import { cycleText } from '../graph/cycle-text';
import { topoSort } from '../graph/order';
import type { StateFile } from '../state/types';
import { addDbtChanges } from './dbt-changes';
import { applyDetachmentRule } from './detachment';
import { deleteChange, diffResource } from './diff-resources';
import { summarize, type DriftEntry, type Plan, type PlanMode, type ResourceChange } from './plan';
import { validateModels, modelsToCheck } from './validate-models';
import { planWebhooks } from './dbt-cloud-webhooks';
import type { World } from './world';
import { pushTo } from '../graph/multimap';
import { sortStrings } from './sort-strings';

/** dbt Cloud checks (and the dbt Cloud client they import) load only when refresh observed dbt Cloud. */
const loadValidateDbtCloud = () => require('./validate-dbt-cloud') as typeof import('./validate-dbt-cloud');

export interface PlanInput {
  desired: DesiredState;
  /** Refreshed state (or prior state with refresh off). */
  state: StateFile;
  /** The state as read before refresh: a saved plan records its lineage and serial. */
  prior: { lineage: string; serial: number } | null;
  world: World;
  drift: DriftEntry[];
  /** Diagnostics found before planning (refresh, primary-key checks). */
  diagnostics: Diagnostic[];
  mode: PlanMode;
  targets: string[];
  /** `-replace=ADDR`: replace these even though nothing forces it (Terraform's `-replace`). */
  replace?: string[];
  version: string;
  now: Date;
}

export function buildPlan(input: PlanInput): Plan {
  const { desired, state, mode } = input;
  const diagnostics = [...input.diagnostics];
  const changes = new Map<string, ResourceChange>();

  // Loops over every resource here and below are indexed or forEach: for-of over a Map or an array
  // allocates an entry or iterator result per step until the loop is optimized, which a loop run once per
  // plan may never be (6 MB of garbage in a 20,000-resource plan). Likewise state keys, not Object.entries.
  const stateResources = state.resources;
  if (mode === 'destroy') {
    const addresses = Object.keys(stateResources);
    for (let i = 0; i < addresses.length; i++) {
      const address = addresses[i];
      changes.set(address, deleteChange(address, stateResources[address], 'delete_because_destroy'));
    }
  } else if (mode === 'normal') {
    desired.resources.forEach((r, address) =>
      changes.set(address, diffResource(r, stateResources[address], state.salt, address)),
    );
    const addresses = Object.keys(stateResources);
    for (let i = 0; i < addresses.length; i++) {
      const address = addresses[i];
      if (!desired.resources.has(address))
        changes.set(address, diffResource(undefined, stateResources[address], state.salt, address));
    }
  }

  // Built once, on first use: destroy targets walk it, and deletes order by it. Scanning state per visited
  // resource would make `plan --destroy --target` quadratic in the size of the state.
  let index: Map<string, string[]> | undefined;
  const dependents = (): Map<string, string[]> => (index ??= dependentsIndex(state));
  diagnostics.push(...forceReplace(changes, input.replace ?? [], mode));

  let selected = changes;
  if (input.targets.length > 0) {
    const unknown = input.targets.filter((t) => !changes.has(t));
    for (const t of unknown)
      diagnostics.push(error(`-target ${t}: no such resource in configuration or state`, { address: t }));
    selected = restrictToTargets(changes, input.targets, desired, state, dependents, mode);
    diagnostics.push(
      warning('Resource targeting is in effect', {
        detail:
          'This plan may not include every change the configuration calls for. Use -target only to recover from mistakes, not as routine.',
      }),
    );
  }

  addDbtChanges(selected, input.world, state);
  addDependencyEdges(selected, desired, dependents);
  diagnostics.push(...applyDetachmentRule(selected, state, desired));
  diagnostics.push(...preventDestroy(selected, desired));
  diagnostics.push(...validateModels(modelsToCheck(selected.values()), input.world, desired));
  if (input.world.refreshed && input.world.dbtCloud)
    diagnostics.push(...loadValidateDbtCloud().validateDbtCloud(selected, input.world, desired, state));
  diagnostics.push(...planWebhooks(selected, desired, state, input.world));

  const { order, cycles } = topoSort([...selected.keys()], (a) => selected.get(a)!.depends_on);
  for (const c of cycles)
    diagnostics.push(error(`Dependency cycle between planned changes: ${cycleText(c.chain)}`));
  const ordered: ResourceChange[] = new Array(order.length);
  for (let i = 0; i < order.length; i++) ordered[i] = selected.get(order[i])!;
  const resourceChanges = mode === 'refresh-only' ? [] : ordered;

  return {
    format_version: '1.0',
    backflow_version: input.version,
    created_at: input.now.toISOString(),
    mode,
    options: {
      targets: input.targets,
      refresh: input.world.refreshed,
      ...(input.replace?.length ? { replace: input.replace } : {}),
    },
    prior_state: input.prior,
    config_hash: desired.configHash,
    resource_changes: resourceChanges,
    resource_drift: input.drift,
    diagnostics,
    summary: summarize(resourceChanges),
    errored: hasErrors(diagnostics),
  };
}

/** Address -> addresses in state that depended on it when applied (the reverse of `dependencies`). */
function dependentsIndex(state: StateFile): Map<string, string[]> {
  const dependents = new Map<string, string[]>();
  const resources = state.resources;
  const addresses = Object.keys(resources);
  for (let a = 0; a < addresses.length; a++) {
    const address = addresses[a];
    const dependencies = resources[address].dependencies;
    for (let i = 0; i < dependencies.length; i++) pushTo(dependents, dependencies[i], address);
  }
  return dependents;
}

/**
 * Creates and updates wait for the changes of what they reference; deletes wait for the deletes of what
 * references them (reverse order); a replace waits for both.
 */
function addDependencyEdges(
  changes: Map<string, ResourceChange>,
  desired: DesiredState,
  dependents: () => ReadonlyMap<string, readonly string[]>,
): void {
  // Collected in one scratch list, then copied out at their number, sorted and made unique: no Set per
  // change (a delete of a source has as many dependents as the workspace has models), and no list grown
  // push by push for each of 20,000 new resources.
  const deps: string[] = [];
  changes.forEach((change) => {
    if (change.action === 'no-op') return;
    deps.length = 0;
    for (let i = 0; i < change.depends_on.length; i++) deps.push(change.depends_on[i]);
    if (change.action === 'create' || change.action === 'update' || change.action === 'replace') {
      const dependsOn = desired.resources.get(change.address)?.dependsOn ?? [];
      for (let i = 0; i < dependsOn.length; i++) {
        const d = dependsOn[i];
        const dc = changes.get(d);
        if (dc && dc.action !== 'no-op' && dc.action !== 'delete') deps.push(d);
      }
    }
    if (change.action === 'delete' || change.action === 'replace') {
      const of = dependents().get(change.address) ?? [];
      for (let i = 0; i < of.length; i++) {
        const d = of[i];
        const dc = changes.get(d);
        if (dc && (dc.action === 'delete' || dc.action === 'replace') && d !== change.address) deps.push(d);
      }
    }
    change.depends_on = sortedUnique(deps.slice());
  });
}

/** `list` sorted (default string order) without repeats, in place. */
function sortedUnique(list: string[]): string[] {
  if (list.length < 2) return list;
  sortStrings(list);
  let kept = 1;
  for (let i = 1; i < list.length; i++) if (list[i] !== list[kept - 1]) list[kept++] = list[i];
  list.length = kept;
  return list;
}

function preventDestroy(changes: Map<string, ResourceChange>, desired: DesiredState): Diagnostic[] {
  const out: Diagnostic[] = [];
  changes.forEach((c) => {
    if (c.action !== 'delete' && c.action !== 'replace') return;
    const r = desired.resources.get(c.address);
    if (!r?.lifecycle.prevent_destroy) return;
    out.push(
      error(`Instance cannot be destroyed: ${c.address}`, {
        address: c.address,
        file: r.origin.file,
        path: `${r.origin.path}.lifecycle.prevent_destroy`,
        construct: r.origin.construct,
        detail: `${c.address} has lifecycle.prevent_destroy set, but the plan calls for it to be ${c.action === 'replace' ? 'replaced' : 'destroyed'}. To continue, set prevent_destroy to false, or narrow the plan with -target.`,
      }),
    );
  });
  return out;
}

/** Targets plus what they need: their dependencies (create/update) or their dependents (destroy). */
function restrictToTargets(
  changes: Map<string, ResourceChange>,
  targets: string[],
  desired: DesiredState,
  state: StateFile,
  dependents: () => ReadonlyMap<string, readonly string[]>,
  mode: PlanMode,
): Map<string, ResourceChange> {
  const keep = new Set<string>();
  const stack = targets.filter((t) => changes.has(t));
  const next = (a: string): readonly string[] => {
    if (mode === 'destroy') return dependents().get(a) ?? [];
    return desired.resources.get(a)?.dependsOn ?? state.resources[a]?.dependencies ?? [];
  };
  while (stack.length > 0) {
    const a = stack.pop()!;
    if (keep.has(a)) continue;
    keep.add(a);
    for (const x of next(a)) if (changes.has(x) && !keep.has(x)) stack.push(x);
  }
  const kept = new Map<string, ResourceChange>();
  for (const [a, c] of changes) if (keep.has(a)) kept.set(a, c);
  return kept;
}

/**
 * `-replace=ADDR`: an object in both config and state is destroyed and created again, as Terraform does for
 * an object that is broken in a way Backflow cannot see. An address that is not such an object is an error.
 */
function forceReplace(
  changes: Map<string, ResourceChange>,
  replace: readonly string[],
  mode: PlanMode,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const address of new Set(replace)) {
    const c = changes.get(address);
    if (mode !== 'normal') {
      out.push(error(`-replace ${address}: only a normal plan can replace objects`, { address }));
    } else if (c === undefined || c.action === 'create' || c.action === 'delete') {
      out.push(
        error(`-replace ${address}: no such object in both configuration and state`, {
          address,
          detail:
            'Only an object that exists and stays in configuration can be replaced; see `backflow state list`.',
        }),
      );
    } else if (c.action !== 'replace') {
      changes.set(address, { ...c, action: 'replace', reason: 'replace_by_request' });
    }
  }
  return out;
}
