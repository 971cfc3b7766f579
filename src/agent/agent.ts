/**
 * The agent: holds the applied state (reloaded when its serial changes), fires schedules into the run
 * queue, works the queue (one run per sync at a time, across every agent on the database), and chains
 * after_sync runs. HTTP (webhooks, metrics, dashboard) lives in http-server.ts and calls in here.
 */
import type { Logger } from 'pino';
import type { Job } from 'pg-boss';
import type { PoolClient } from 'pg';
import { UserError } from '../errors';
import { SyncRunningError } from '../runs';
import type { StateFile } from '../state/types';
import type { AgentDb } from './agent-db';
import type { AgentMetrics } from './metrics';
import type { RunFn, RunRecord } from './run-fn';
import type { RunJob, RunQueue } from './run-queue';
import { Scheduler, type Tx } from './scheduler';
import { followersOf, workspaceSyncs, type WorkspaceSyncs } from './workspace-syncs';

export interface AgentOptions {
  readState: () => Promise<StateFile | null>;
  db: AgentDb;
  queue: RunQueue;
  runFn: RunFn;
  log: Logger;
  metrics: AgentMetrics;
  now?: () => number;
  /** Runs this agent works on at once (each a different sync). Default 4. */
  concurrency?: number;
  /** Start after_sync dependents when the upstream run is `partial` too. Default false. */
  afterSyncOnPartial?: boolean;
  /** A job whose sync is running elsewhere waits this long before it is looked at again. Default 2. */
  deferSeconds?: number;
}

export interface RecentRun {
  run: RunRecord;
  jobId: string;
}

export class Agent {
  private ws: WorkspaceSyncs | undefined;
  private state: StateFile | undefined;
  private readonly scheduler: Scheduler;
  private readonly now: () => number;
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private claiming = false;
  /** Executions started by this agent (tests, /healthz). */
  executions = 0;

  constructor(private readonly o: AgentOptions) {
    this.now = o.now ?? (() => Date.now());
    this.scheduler = new Scheduler({
      store: {
        ensureAll: (syncs, n) => this.cursors().ensureAll(syncs, n),
        claim: (s, k, slot, fire) => this.cursors().claim(s, k, slot, fire),
        read: (s) => this.cursors().read(s),
      },
      now: this.now,
      fire: async (sync, slot, tx) => {
        await this.o.queue.send({ sync, trigger: 'schedule', chain: [], at: slot }, tx);
        this.o.log.info({ sync, slot: new Date(slot).toISOString() }, 'schedule fired');
      },
      onError: (sync, err) => this.o.log.error({ sync, err: message(err) }, 'schedule failed'),
    });
  }

  private cursors() {
    return this.o.db.cursors(this.workspace);
  }

  get workspace(): string {
    if (!this.ws) throw new Error('agent has no state loaded');
    return this.ws.lineage;
  }

  get syncs(): WorkspaceSyncs | undefined {
    return this.ws;
  }

  get appliedState(): StateFile | undefined {
    return this.state;
  }

  nextFires(): Map<string, number | undefined> {
    return this.scheduler.nextFires();
  }

  /** Reads the applied state; reloads schedules when its serial (or lineage) changed. True on change. */
  async reload(): Promise<boolean> {
    const state = await this.o.readState();
    if (!state) {
      if (this.ws === undefined)
        throw new UserError(
          'Nothing is applied in this workspace yet: the agent runs what was applied',
          'Run `backflow apply` first.',
        );
      return false;
    }
    if (this.ws && this.ws.serial === state.serial && this.ws.lineage === state.lineage) return false;
    if (this.ws && this.ws.lineage !== state.lineage)
      throw new UserError(
        `The state's lineage changed from ${this.ws.lineage} to ${state.lineage}: this is another workspace`,
        'Restart the agent for the new workspace.',
      );
    const ws = workspaceSyncs(state, this.ws);
    for (const s of ws.syncs.values())
      if (s.problem) this.o.log.error({ sync: s.name, problem: s.problem }, 'schedule cannot be computed');
    this.ws = ws;
    this.state = state;
    await this.scheduler.load(ws);
    this.o.log.info({ serial: state.serial, syncs: ws.syncs.size }, 'applied state loaded');
    return true;
  }

  /** Fires the due schedules. */
  async tick(): Promise<string[]> {
    if (this.stopping.signal.aborted) return [];
    const fired = await this.scheduler.tick();
    if (fired.length > 0) this.o.queue.wake();
    return fired;
  }

  /** After a trigger committed outside the agent (webhook, poller): claim it now. */
  wake(): void {
    this.o.queue.wake();
  }

  /** Queues a run (trigger from outside: webhook, poller, tests). Null when it coalesced. */
  async enqueue(job: RunJob, tx?: Tx): Promise<string | null> {
    const id = await this.o.queue.send(job, tx);
    if (!tx && id !== null) this.o.queue.wake();
    return id;
  }

  /** Starts claiming jobs. */
  async startWorking(): Promise<void> {
    this.claiming = true;
    await this.o.queue.work(this.o.concurrency ?? 4, (job) => {
      const p = this.handle(job);
      this.inFlight.add(p);
      return p.finally(() => this.inFlight.delete(p));
    });
  }

  /**
   * SIGTERM: no new claims, no new schedule fires; runs in flight get the abort signal so their current
   * batches finish and commit; then the queue stops. A run stopped this way is queued again (`resume`).
   */
  async shutdown(timeoutMs = 30_000): Promise<void> {
    if (this.claiming) await this.o.queue.stopClaiming();
    this.claiming = false;
    this.stopping.abort();
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((r) => setTimeout(r, timeoutMs).unref()),
    ]);
    await this.o.queue.stop(timeoutMs);
  }

  private async handle(job: Job<RunJob>): Promise<unknown> {
    const { sync, trigger, chain } = job.data;
    let log = this.o.log.child({ job_id: job.id, sync, trigger });
    const ws = this.ws;
    const state = this.state;
    if (!ws || !state || !ws.syncs.has(sync)) {
      log.warn('sync is not active in the applied state: not run');
      return { skipped: 'inactive' };
    }
    const lock = await this.lockSync(sync);
    if (!lock) return this.defer(job, log, 'running on another agent');
    const started = performance.now();
    try {
      this.executions += 1;
      const result = await this.o.runFn({
        state,
        sync,
        trigger,
        signal: this.stopping.signal,
        onStart: (runId, resumed) => {
          log = log.child({ run_id: runId });
          this.o.metrics.triggerLatency.observe(Math.max(0, this.now() - job.data.at) / 1000);
          log.info({ resumed }, 'run started');
        },
        onSend: (seconds, answered) =>
          this.o.metrics.deliveryLatency.observe({ result: answered ? 'answered' : 'failed' }, seconds),
      });
      const run = result.run;
      log = log.child({ run_id: run.runId });
      this.o.metrics.runDuration.observe((performance.now() - started) / 1000);
      for (const op of ['add', 'change', 'remove', 'retry'] as const) {
        if (run.accepted[op])
          this.o.metrics.rows.inc({ operation: op, outcome: 'accepted' }, run.accepted[op]);
        if (run.rejected[op])
          this.o.metrics.rows.inc({ operation: op, outcome: 'rejected' }, run.rejected[op]);
      }
      if (result.stopped) {
        this.o.metrics.runs.inc({ status: 'stopped' });
        log.info('run stopped by shutdown; queued to resume');
        await this.o.queue.send({ sync, trigger: 'resume', chain, at: this.now() });
        return { runId: run.runId, stopped: true };
      }
      this.o.metrics.runs.inc({ status: run.status });
      log.info(
        { status: run.status, accepted: run.accepted, rejected: run.rejected, error: run.error },
        'run finished',
      );
      const current = this.ws ?? ws;
      for (const next of followersOf(current, sync, run.status, chain, this.o.afterSyncOnPartial === true)) {
        const id = await this.o.queue.send({
          sync: next,
          trigger: `after_sync:${sync}`,
          chain: [...chain, sync],
          at: this.now(),
        });
        log.info({ follower: next, coalesced: id === null }, 'after_sync queued');
      }
      return { runId: run.runId, status: run.status };
    } catch (err) {
      if (err instanceof SyncRunningError) return this.defer(job, log, err.message);
      if (err instanceof UserError) {
        // Cannot start (disabled, missing secret, …): retrying will not help until someone applies.
        this.o.metrics.runs.inc({ status: 'not_started' });
        log.error({ err: err.message }, 'run could not start');
        return { notStarted: err.message };
      }
      log.error({ err: message(err) }, 'run crashed; pg-boss retries it');
      throw err;
    } finally {
      await lock.release();
    }
  }

  private async defer(job: Job<RunJob>, log: Logger, why: string): Promise<unknown> {
    const id = await this.o.queue.send(job.data, undefined, this.o.deferSeconds ?? 2);
    log.info({ why, coalesced: id === null }, 'sync busy: run waits');
    return { deferred: true };
  }

  /**
   * The agents' own one-run-per-sync lock: a session advisory lock on the agent database, so it holds
   * whatever the run function is and dies with the agent's connection when the agent is killed.
   */
  private async lockSync(sync: string): Promise<{ release(): Promise<void> } | undefined> {
    const key = `backflow-agent-run:${this.workspace}:${sync}`;
    let c: PoolClient | undefined = await this.o.db.pool.connect();
    try {
      const { rows } = await c.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
        [key],
      );
      if (!rows[0]?.ok) {
        c.release();
        c = undefined;
        return undefined;
      }
    } catch (err) {
      c?.release(true);
      throw err;
    }
    const held = c;
    return {
      release: async () => {
        try {
          await held.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
          held.release();
        } catch {
          held.release(true);
        }
      },
    };
  }
}

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
