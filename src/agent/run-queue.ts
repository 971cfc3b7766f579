/**
 * The run queue: pg-boss 10 on the agent's database. One queue per workspace (named after the state's
 * lineage), policy `short`: at most one job per sync waits in `created`, so triggers that arrive while a
 * run waits coalesce into it. One run at a time is the agent's per-sync lock (see agent.ts), not pg-boss's
 * `stately` policy: in pg-boss 10.4 a stately queue stops handing out *every* job while one sync's
 * follow-up waits behind its active run (the fetch's unique-index violation is swallowed and it returns
 * nothing), so one long run would stall every other sync.
 *
 * A job claimed by an agent that dies stays `active` until its lease (`expireInSeconds`) runs out; pg-boss's
 * maintenance, run by whichever agent holds its maintenance slot, then puts it back for another agent.
 */
import PgBoss from 'pg-boss';
import type { Tx } from './scheduler';

export interface RunJob {
  sync: string;
  /** Ledger trigger: `schedule`, `after_sync:orders`, `dbt_cloud:42:run 1001`, `resume`. */
  trigger: string;
  /** Syncs upstream of this one in an after_sync chain (cycle guard). */
  chain: string[];
  /** When the trigger happened (ms since epoch): trigger latency is measured from here. */
  at: number;
}

export interface QueueOptions {
  connectionString: string;
  workspace: string;
  schema?: string;
  /** How long a claimed job may stay active before another agent takes it over. */
  leaseSeconds: number;
  pollingIntervalSeconds?: number;
  maintenanceIntervalSeconds?: number;
}

export const QUEUE_SCHEMA = 'backflow_queue';

export class RunQueue {
  readonly name: string;
  readonly boss: PgBoss;
  private readonly workers: string[] = [];

  constructor(private readonly opts: QueueOptions) {
    this.name = `runs-${opts.workspace.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    this.boss = new PgBoss({
      connectionString: opts.connectionString,
      schema: opts.schema ?? QUEUE_SCHEMA,
      application_name: 'backflow agent queue',
      max: 4,
      // pg-boss's own cron is not used: schedules are computed by the agent (see scheduler.ts).
      schedule: false,
      maintenanceIntervalSeconds: opts.maintenanceIntervalSeconds ?? 30,
    });
  }

  async start(onError: (err: Error) => void): Promise<void> {
    this.boss.on('error', onError);
    await this.boss.start();
    await this.boss.createQueue(this.name, {
      name: this.name,
      policy: 'short',
      expireInSeconds: this.opts.leaseSeconds,
      retryLimit: 3,
      retryDelay: 1,
      retentionDays: 7,
    });
  }

  /**
   * Queues a run of `job.sync`, in `tx` when given. Null when one is already waiting for that sync: the
   * trigger coalesced into it.
   */
  send(job: RunJob, tx?: Tx, startAfterSeconds?: number): Promise<string | null> {
    const db = tx && { executeSql: (text: string, values: unknown[]) => tx.query(text, values) };
    return this.boss.send(this.name, job, {
      singletonKey: job.sync,
      ...(db ? { db } : {}),
      ...(startAfterSeconds ? { startAfter: startAfterSeconds } : {}),
    } as PgBoss.SendOptions);
  }

  /**
   * `concurrency` workers, each taking one job at a time. A worker that just handled a job looks again at
   * once: pg-boss 10 otherwise sleeps out its polling interval after every job, found or not, so one
   * agent claimed at most `concurrency / pollingIntervalSeconds` jobs a second with a full queue (8/s at
   * 4 workers and 0.5 s). An idle worker still waits its interval between empty fetches.
   */
  async work(concurrency: number, handler: (job: PgBoss.Job<RunJob>) => Promise<unknown>): Promise<void> {
    for (let i = 0; i < concurrency; i++) {
      // Set once work() resolves; pg-boss fetches the first job only after that.
      const worker: { id?: string } = {};
      worker.id = await this.boss.work<RunJob>(
        this.name,
        { batchSize: 1, pollingIntervalSeconds: this.opts.pollingIntervalSeconds ?? 2 },
        async ([job]) => {
          try {
            return await handler(job);
          } finally {
            if (worker.id !== undefined) this.boss.notifyWorker(worker.id);
          }
        },
      );
      this.workers.push(worker.id);
    }
  }

  /**
   * Makes this agent's idle workers look at the queue now instead of at their next poll: called after a
   * trigger committed, so a webhook's run starts in milliseconds on the agent that received it.
   */
  wake(): void {
    for (const id of this.workers) this.boss.notifyWorker(id);
  }

  /** Stop claiming; jobs being worked on go on. */
  async stopClaiming(): Promise<void> {
    await this.boss.offWork(this.name);
  }

  /** Jobs waiting (created or retry). */
  depth(): Promise<number> {
    return this.boss.getQueueSize(this.name, { before: 'active' });
  }

  async stop(timeoutMs = 30_000): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
  }
}
