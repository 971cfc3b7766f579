/**
 * The apply walker: runs a plan's changes after their dependencies, at most `parallelism` at a time, and
 * records each finished action durably (the state journal) before it counts as done. On the first error
 * it schedules nothing new, lets running actions finish, and leaves state true to what happened.
 */
import type { DesiredState } from '../config/desired';
import { UserError } from '../errors';
import type { ResourceState } from '../state/types';
import type { SyncState } from '../state/sync-state';
import { ACTIONS } from './actions';
import type { ActionContext } from './actions/types';
import type { Connections } from './connections';
import { storedAttributes } from './fingerprint';
import type { EngineHooks } from './hooks';
import type { Action, Plan, ResourceChange } from './plan';
import { pushTo } from '../graph/multimap';

export interface ApplyOptions {
  plan: Plan;
  desired: DesiredState;
  state: SyncState;
  /** The salt of the state being written: fingerprints of stored secrets use it. */
  salt: string;
  connections: Connections;
  parallelism: number;
  hooks?: EngineHooks;
  /** Asked before each action starts: true stops scheduling (a signal), as a failure does. */
  stopRequested?: () => boolean;
}

export interface ApplyFailure {
  address: string;
  action: Action;
  message: string;
  hint?: string;
}

export interface ApplyResult {
  added: number;
  changed: number;
  destroyed: number;
  failures: ApplyFailure[];
  /** Changes never started because something they depend on failed, or apply stopped. */
  skipped: string[];
}

export async function applyPlan(opts: ApplyOptions): Promise<ApplyResult> {
  const hooks = opts.hooks ?? {};
  const nodes = opts.plan.resource_changes.filter((c) => c.action !== 'no-op');
  const byAddress = new Map(nodes.map((c) => [c.address, c]));
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const c of nodes) {
    const deps = c.depends_on.filter((d) => byAddress.has(d));
    waitingOn.set(c.address, deps.length);
    for (const d of deps) pushTo(dependents, d, c.address);
  }

  const result: ApplyResult = { added: 0, changed: 0, destroyed: 0, failures: [], skipped: [] };
  const started = new Set<string>();
  let running = 0;
  let stopped = false;
  const parallelism = Math.max(1, opts.parallelism);
  const ready = nodes.filter((c) => waitingOn.get(c.address) === 0).map((c) => c.address);

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      if (opts.stopRequested?.()) stopped = true;
      while (!stopped && running < parallelism && ready.length > 0) {
        const address = ready.shift()!;
        started.add(address);
        running++;
        void runOne(byAddress.get(address)!, opts, hooks).then((failure) => {
          running--;
          if (failure) {
            result.failures.push(failure);
            stopped = true;
          } else {
            count(result, byAddress.get(address)!.action);
            for (const d of dependents.get(address) ?? []) {
              const left = waitingOn.get(d)! - 1;
              waitingOn.set(d, left);
              if (left === 0) ready.push(d);
            }
          }
          pump();
        });
      }
      if (running === 0) resolve();
    };
    pump();
  });
  result.skipped = nodes.filter((c) => !started.has(c.address)).map((c) => c.address);
  return result;
}

function count(result: ApplyResult, action: Action): void {
  if (action === 'create') result.added++;
  else if (action === 'update') result.changed++;
  else if (action === 'delete') result.destroyed++;
  else if (action === 'replace') {
    result.added++;
    result.destroyed++;
  }
}

let actionsSinceYield = 0;

async function runOne(
  change: ResourceChange,
  opts: ApplyOptions,
  hooks: EngineHooks,
): Promise<ApplyFailure | undefined> {
  // Record actions finish without waiting on I/O: yield now and then so timers, signals and warehouse
  // replies are not starved while thousands of them run back to back.
  if (++actionsSinceYield >= 64) {
    actionsSinceYield = 0;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const t0 = Date.now();
  hooks.applyStarted?.(change.address, change.action);
  try {
    if (change.pause_syncs && change.pause_syncs.length > 0)
      await withSyncsPaused(change, opts, hooks, () => perform(change, opts));
    else await perform(change, opts);
    hooks.applyFinished?.(change.address, change.action, (Date.now() - t0) / 1000);
    return undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    hooks.applyFailed?.(change.address, change.action, message);
    if (!(err instanceof UserError) && process.env.BACKFLOW_DEBUG) console.error(err);
    return {
      address: change.address,
      action: change.action,
      message,
      hint: err instanceof UserError ? err.hint : undefined,
    };
  }
}

/** Runs one change's action(s) and records the outcome in state. */
async function perform(change: ResourceChange, opts: ApplyOptions): Promise<void> {
  const actions = ACTIONS[change.type];
  const prior = opts.state.get(change.address);
  const desired = opts.desired.resources.get(change.address);
  const ctx: ActionContext = {
    change,
    desired,
    prior,
    desiredState: opts.desired,
    state: opts.state,
    connections: opts.connections,
  };
  if (change.action === 'delete' || change.action === 'replace') {
    if (prior) await actions.delete(ctx);
    await opts.state.remove(change.address);
    if (change.action === 'delete') return;
  }
  if (!desired) throw new Error(`internal: ${change.address} has no configuration to ${change.action}`);
  const record: ResourceState = {
    type: desired.type,
    name: desired.name,
    attributes: storedAttributes(desired, opts.salt),
    computed: {},
    dependencies: desired.dependsOn,
    // An update keeps the name its tracking lives under (set by `state mv`); a replacement starts over.
    ...(change.action === 'update' && prior?.tracking_key !== undefined
      ? { tracking_key: prior.tracking_key }
      : {}),
  };
  // Journaled before the object is made: if the process dies mid-create, the next plan knows the object
  // may half-exist (tainted) and replaces or deletes it, instead of orphaning it in the warehouse.
  if (change.action !== 'update' && actions.createsExternalObject) {
    await opts.state.put(change.address, { ...record, tainted: true });
  }
  record.computed =
    change.action === 'update'
      ? await actions.update(ctx)
      : await actions.create({ ...ctx, prior: undefined });
  await opts.state.put(change.address, record);
}

/**
 * The orchestrated change of an attached model: pause its active syncs, change it (which resets its
 * change-tracking snapshot), resume them; on failure resume them too, so the pause is rolled back.
 * Each step is journaled, so a crash in between leaves syncs visibly paused and the next plan resumes them.
 */
async function withSyncsPaused(
  change: ResourceChange,
  opts: ApplyOptions,
  hooks: EngineHooks,
  body: () => Promise<void>,
): Promise<void> {
  const syncs = change.pause_syncs ?? [];
  const paused: string[] = [];
  const resume = async (): Promise<void> => {
    for (const s of paused) {
      const r = opts.state.get(s);
      if (!r) continue;
      delete r.paused_by;
      await opts.state.put(s, r);
      hooks.syncResumed?.(s, change.address);
    }
  };
  try {
    for (const s of syncs) {
      const r = opts.state.get(s);
      if (!r) continue;
      await opts.state.put(s, { ...r, paused_by: change.address });
      paused.push(s);
      hooks.syncPaused?.(s, change.address);
    }
    await body();
  } finally {
    await resume();
  }
}
