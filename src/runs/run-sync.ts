/**
 * One sync run, start to finish:
 *
 *   lock → ensure tables → resume the run a killed process left `running`, or plan a new one (in the
 *   warehouse) → deliver and commit batch by batch → finish the ledger row → drop the plan → unlock.
 *
 * The ledger row is written `running` before anything is planned, and updated with the planned counts,
 * so `runs list` shows a run in progress and a killed run is found and resumed by the next one. A run is
 * `succeeded` only when the accepted counts equal the planned counts; `partial` when rows were rejected
 * (or mirror removals held back); `failed` when delivery or the warehouse stopped it.
 */
import type { DestinationAdapter } from '../adapters/destination/destination';
import { getDestinationKind } from '../adapters/destination/registry';
import { getDialect } from '../adapters/warehouse/registry';
import type {
  OpCounts,
  PlanCounts,
  PlannedRow,
  RowOutcome,
  RunRecord,
  RunSpec,
  SyncTracking,
  TrackingTarget,
} from '../adapters/warehouse/tracking';
import { zeroCounts } from '../adapters/warehouse/tracking';
import type { WarehouseAdapter } from '../adapters/warehouse/warehouse';
import { UserError } from '../errors';
import type { StateFile } from '../state/types';
import { deliverPlan, toOutgoing } from './deliver';
import type { RetryPolicy } from './retry-policy';
import { newRunId } from './run-id';
import type { RunLocks } from './run-lock';
import { revealFromState, secretValuesOf } from './reveal';
import { runTarget, type RunTarget } from './run-target';
import { scrubber } from '../adapters/warehouse/secret-scrub';

export interface RunEvents {
  onStart?(run: RunRecord, resumed: boolean): void;
  onPlanned?(counts: PlanCounts): void;
  onProgress?(run: RunRecord): void;
  onRetry?(reason: string, waitMs: number, rateLimited: boolean): void;
  /** Each request to the destination: how long it took, and whether it was answered (any outcome). */
  onSend?(seconds: number, answered: boolean, records: number): void;
}

/** The destination with its requests timed (the agent's delivery latency metric). */
function timedSends(d: DestinationAdapter, report: NonNullable<RunEvents['onSend']>): DestinationAdapter {
  const timed = Object.create(d) as DestinationAdapter & { send: DestinationAdapter['send'] };
  timed.send = async (batch, signal) => {
    const t0 = performance.now();
    try {
      const result = await d.send(batch, signal);
      report((performance.now() - t0) / 1000, true, batch.length);
      return result;
    } catch (err) {
      report((performance.now() - t0) / 1000, false, batch.length);
      throw err;
    }
  };
  return timed;
}

export interface RunRequest {
  /** The applied state: what runs is what was applied. */
  state: StateFile;
  sync: string;
  /** Resolves `{ "file": … }` secret references. */
  configDir: string;
  locks: RunLocks;
  /** What started the run (ledger `trigger`). */
  trigger: string;
  fullResync?: boolean;
  /** Graceful stop: in-flight batches finish and commit, the rest is resumed by the next run. */
  signal?: AbortSignal;
  events?: RunEvents;
  /** Tests and the agent inject these; the CLI uses the real ones. */
  openWarehouse?: (target: RunTarget, settings: Record<string, unknown>) => Promise<WarehouseAdapter>;
  openDestination?: (
    target: RunTarget,
    settings: Record<string, unknown>,
    runId: string,
  ) => DestinationAdapter;
  retryPolicy?: RetryPolicy;
}

export interface RunResult {
  run: RunRecord;
  /** True when this call finished a run a killed process had left. */
  resumed: boolean;
  /** True when a stop request ended delivery early (the run stays resumable). */
  stopped: boolean;
}

function addCounts(into: OpCounts, outcomes: RowOutcome[], accepted: boolean): void {
  for (const o of outcomes) if (o.accepted === accepted) into[o.op] += 1;
}

function total(c: OpCounts): number {
  return c.add + c.change + c.remove + c.retry;
}

/** The name a sync's tracking tables, run records and lock are kept under (kept across `state mv`). */
export function trackingKey(t: RunTarget): string {
  return t.sync.tracking_key ?? t.sync.name;
}

export function trackingTarget(t: RunTarget): TrackingTarget {
  return { schema: t.schema, sync: trackingKey(t) };
}

async function defaultOpenWarehouse(
  t: RunTarget,
  settings: Record<string, unknown>,
): Promise<WarehouseAdapter> {
  return getDialect(String(t.source.attributes.warehouse)).connect(settings);
}

function defaultOpenDestination(
  t: RunTarget,
  attributes: Record<string, unknown>,
  runId: string,
): DestinationAdapter {
  return getDestinationKind(String(t.destination.attributes.type)).open({
    attributes,
    sync: trackingKey(t),
    runId,
  });
}

/** The source's connection settings from state, secrets read again from their references. */
function sourceSettingsOf(target: RunTarget, configDir: string): Record<string, unknown> {
  return revealFromState(
    target.source.attributes.settings,
    configDir,
    `source.${target.source.name}.settings`,
  ) as Record<string, unknown>;
}

/** What the warehouse plans for a run of `target`. */
function runSpec(
  target: RunTarget,
  t: TrackingTarget,
  runId: string,
  fullResync: boolean | undefined,
): RunSpec {
  return {
    ...t,
    runId,
    modelSql: target.modelSql,
    primaryKey: target.primaryKey,
    columns: target.columns,
    mode: target.mode,
    fullResync: fullResync === true,
  };
}

/** Runs one sync now. Throws UserError when it cannot start; a run that starts always ends in the ledger. */
export async function runSync(req: RunRequest): Promise<RunResult> {
  const target = runTarget(req.state, req.sync);
  const sourceSettings = sourceSettingsOf(target, req.configDir);
  const destAttributes = revealFromState(
    target.destination.attributes,
    req.configDir,
    `destination.${target.destination.name}`,
  ) as Record<string, unknown>;
  const secrets = [
    ...secretValuesOf(target.source.attributes.settings, sourceSettings),
    ...secretValuesOf(target.destination.attributes, destAttributes),
  ];
  const scrub = scrubber(secrets);

  const kind = getDestinationKind(String(target.destination.attributes.type));
  if (target.mode === 'mirror' && !kind.supportsRemovals) {
    throw new UserError(
      `sync.${target.sync.name}: mode "mirror" needs a destination that can delete records; ${kind.type} cannot`,
      'Use "mode": "upsert" for this destination.',
    );
  }

  let runId = newRunId();
  const lock = await req.locks.acquire(trackingKey(target), runId);
  let warehouse: WarehouseAdapter | undefined;
  try {
    warehouse = await (req.openWarehouse ?? defaultOpenWarehouse)(target, sourceSettings);
    const tracking = warehouse.tracking();
    const t = trackingTarget(target);
    await tracking.ensureTables(t);

    const orphan = await tracking.unfinishedRun(t.schema, t.sync);
    const resumed = orphan !== undefined;
    let run: RunRecord;
    let counts: PlanCounts | undefined;
    if (orphan) {
      run = orphan;
      runId = orphan.runId;
      counts = await tracking.planCounts(t, runId);
    } else {
      run = {
        runId,
        sync: t.sync,
        trigger: req.trigger,
        status: 'running',
        startedAt: new Date().toISOString(),
        finishedAt: null,
        planned: zeroCounts(),
        accepted: zeroCounts(),
        rejected: zeroCounts(),
        nullKeys: 0,
        duplicateKeys: 0,
        error: null,
      };
      await tracking.insertRun(t.schema, run);
    }
    req.events?.onStart?.(run, resumed);
    return await finishRun(req, target, tracking, run, counts, resumed, destAttributes, scrub);
  } finally {
    await warehouse?.close().catch(() => undefined);
    await lock.release().catch(() => undefined);
  }
}

async function finishRun(
  req: RunRequest,
  target: RunTarget,
  tracking: SyncTracking,
  run: RunRecord,
  knownCounts: PlanCounts | undefined,
  resumed: boolean,
  destAttributes: Record<string, unknown>,
  scrub: (text: string) => string,
): Promise<RunResult> {
  const t = trackingTarget(target);
  const fail = async (why: string): Promise<RunResult> => {
    run.status = 'failed';
    run.error = scrub(why);
    run.finishedAt = new Date().toISOString();
    await tracking.updateRun(t.schema, run);
    await tracking.finishPlan(t, run.runId).catch(() => undefined);
    return { run, resumed, stopped: false };
  };

  let counts = knownCounts;
  if (counts === undefined) {
    try {
      counts = await tracking.planRun(runSpec(target, t, run.runId, req.fullResync));
    } catch (err) {
      return fail(err instanceof Error ? err.message : String(err));
    }
    run.planned = { ...counts.planned };
    run.nullKeys = counts.nullKeys;
    run.duplicateKeys = counts.duplicateKeys;
    await tracking.updateRun(t.schema, run);
  }
  req.events?.onPlanned?.(counts);

  let destination: DestinationAdapter;
  try {
    destination = (req.openDestination ?? defaultOpenDestination)(target, destAttributes, run.runId);
    if (req.events?.onSend) destination = timedSends(destination, req.events.onSend);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const firstReasons: string[] = [];
  const result = await deliverPlan(
    {
      readPage: (after: number, limit: number): Promise<PlannedRow[]> =>
        tracking.readPlan(t, run.runId, after, limit),
      commit: async (outcomes: RowOutcome[]) => {
        const scrubbed = outcomes.map((o) =>
          o.reason !== undefined ? { ...o, reason: scrub(o.reason) } : o,
        );
        await tracking.commitBatch(t, run.runId, scrubbed);
        addCounts(run.accepted, scrubbed, true);
        addCounts(run.rejected, scrubbed, false);
        for (const o of scrubbed) {
          if (!o.accepted && firstReasons.length < 3) firstReasons.push(`${o.recordId}: ${o.reason}`);
        }
        req.events?.onProgress?.(run);
      },
    },
    {
      sync: t.sync,
      destination,
      mapping: target.mapping,
      signal: req.signal,
      earlierRejection: run.rejected.add + run.rejected.change + run.rejected.retry > 0,
      policy: req.retryPolicy,
      events: { onRetry: (why, ms, rl) => req.events?.onRetry?.(scrub(why), ms, rl) },
    },
  );

  if (result.failure !== undefined) return fail(result.failure);
  if (result.stopped) {
    // Left `running` on purpose: the next run resumes from the first unanswered row.
    await tracking.updateRun(t.schema, run);
    return { run, resumed, stopped: true };
  }
  const answered = total(run.accepted) + total(run.rejected);
  const planned = total(run.planned);
  run.finishedAt = new Date().toISOString();
  if (total(run.accepted) === planned && run.duplicateKeys === 0) {
    run.status = 'succeeded';
  } else {
    run.status = 'partial';
    const notes: string[] = [];
    if (run.duplicateKeys > 0) notes.push(`${run.duplicateKeys} duplicate primary keys were not sent`);
    if (total(run.rejected) > 0)
      notes.push(`${total(run.rejected)} rows rejected (${firstReasons.join('; ')})`);
    if (result.removalsDeferred) {
      notes.push(`${run.planned.remove} removals held back until every added and changed row is accepted`);
    } else if (answered < planned) {
      notes.push(`${planned - answered} planned rows were not answered`);
    }
    run.error = scrub(notes.join('; '));
  }
  await tracking.updateRun(t.schema, run);
  await tracking.finishPlan(t, run.runId);
  return { run, resumed, stopped: false };
}

export interface DryRunResult {
  counts: PlanCounts;
  /** Up to `sample` rows of each operation, mapped onto destination fields as they would be sent. */
  samples: { op: PlannedRow['op']; recordId: string; fields: Record<string, unknown> | null }[];
}

/** Plans in the warehouse and shows what a run would send, then undoes it: nothing is sent or recorded. */
export async function dryRunSync(req: RunRequest, sample = 3): Promise<DryRunResult> {
  const target = runTarget(req.state, req.sync);
  const sourceSettings = sourceSettingsOf(target, req.configDir);
  const lock = await req.locks.acquire(trackingKey(target), newRunId());
  let warehouse: WarehouseAdapter | undefined;
  try {
    warehouse = await (req.openWarehouse ?? defaultOpenWarehouse)(target, sourceSettings);
    const tracking = warehouse.tracking();
    const t = trackingTarget(target);
    await tracking.ensureTables(t);
    const { counts, samples } = await tracking.dryRun(runSpec(target, t, 'dry-run', req.fullResync), sample);
    return {
      counts,
      samples: samples.map((row) => {
        const r = toOutgoing(t.sync, row, target.mapping);
        return { op: r.op, recordId: r.recordId, fields: r.fields };
      }),
    };
  } finally {
    await warehouse?.close().catch(() => undefined);
    await lock.release().catch(() => undefined);
  }
}
