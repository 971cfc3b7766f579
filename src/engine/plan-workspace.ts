/**
 * Plan one workspace: refresh (unless turned off), build the plan, then run the pushed-down primary-key
 * checks of the models it creates or changes. The caller holds the state lock.
 */
import type { DesiredState } from '../config/desired';
import { hasErrors } from '../diagnostics';
import { newState } from '../state/state';
import type { StateFile } from '../state/types';
import { BACKFLOW_VERSION } from '../version';
import type { Connections } from './connections';
import type { EngineHooks } from './hooks';
import type { Plan, PlanMode } from './plan';
import { buildPlan } from './planner';
import { checkPrimaryKeys } from './primary-keys';
import { modelsToCheck } from './validate-models';
import { emptyWorld } from './world';

/** Refresh and what it brings (dbt Cloud and Git clients, endpoint trust) load only for a plan that refreshes. */
const loadRefresh = () => require('./refresh') as typeof import('./refresh');

export interface PlanOptions {
  mode: PlanMode;
  targets: string[];
  refresh: boolean;
  /** Connect even to endpoints the applied state never sent their secrets to (`plan --trust-new-endpoints`; apply). */
  trustNewEndpoints?: boolean;
  /** `-replace=ADDR` addresses. */
  replace?: string[];
}

export interface PlannedWorkspace {
  plan: Plan;
  /** The state plan was made against (refreshed when refresh ran; a fresh state when there was none). */
  state: StateFile;
}

export async function planWorkspace(
  desired: DesiredState,
  prior: StateFile | null,
  options: PlanOptions,
  connections: Connections,
  hooks: EngineHooks = {},
  now: Date = new Date(),
): Promise<PlannedWorkspace> {
  const base = prior ?? newState(BACKFLOW_VERSION);
  const doRefresh = options.refresh || options.mode === 'refresh-only';
  const refreshed = doRefresh
    ? await loadRefresh().refresh(desired, base, connections, hooks, {
        trustNewEndpoints: options.trustNewEndpoints,
      })
    : { world: emptyWorld(), state: base, drift: [], diagnostics: [] };

  const plan = buildPlan({
    desired,
    state: refreshed.state,
    prior: prior ? { lineage: prior.lineage, serial: prior.serial } : null,
    world: refreshed.world,
    drift: refreshed.drift,
    diagnostics: refreshed.diagnostics,
    mode: options.mode,
    targets: options.targets,
    replace: options.replace,
    version: BACKFLOW_VERSION,
    now,
  });

  // Run even when other rules failed: a user should see every problem of the plan in one run.
  if (doRefresh && options.mode === 'normal') {
    const extra = await checkPrimaryKeys(
      modelsToCheck(plan.resource_changes),
      refreshed.world,
      desired,
      connections,
    );
    plan.diagnostics.push(...extra);
    plan.errored = hasErrors(plan.diagnostics);
  }
  return { plan, state: refreshed.state };
}
