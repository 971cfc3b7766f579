/**
 * Puts an agent together: its database (agent tables and pg-boss), the applied state's reader, metrics,
 * JSON logs, the schedule and reload loops, and the HTTP endpoint. `backflow agent` and the tests call this.
 */
import pino, { type Logger } from 'pino';
import { UserError } from '../errors';
import type { StateFile } from '../state/types';
import { Agent } from './agent';
import { AgentDb } from './agent-db';
import { DbtPoller, type RunsReader } from './dbt-poller';
import { startAgentHttp, type AgentHttp } from './http-server';
import { agentMetrics } from './metrics';
import type { RunFn } from './run-fn';
import { RunQueue } from './run-queue';
import type { DbtCloudLink } from './workspace-syncs';

export interface StartAgentOptions {
  databaseUrl: string;
  readState: () => Promise<StateFile | null>;
  runFn: RunFn;
  listen?: { host: string; port: number; tls?: { cert: string | Buffer; key: string | Buffer } };
  /** Extra webhook secrets (`--dbt-webhook-secret`), beside those apply kept in the agent database. */
  webhookSecrets?: () => string[];
  /** A dbt Cloud client per link, for the polling fallback; without it the agent does not poll. */
  dbtCloudClient?: (link: DbtCloudLink) => RunsReader;
  /** Poll-mode links are polled this often (default 60 s); webhook links every `dbtCatchUpMs` (10 min). */
  dbtPollMs?: number;
  dbtCatchUpMs?: number;
  concurrency?: number;
  leaseSeconds?: number;
  reloadMs?: number;
  tickMs?: number;
  pollingIntervalSeconds?: number;
  maintenanceIntervalSeconds?: number;
  afterSyncOnPartial?: boolean;
  deferSeconds?: number;
  log?: Logger;
  now?: () => number;
  /** Schemas (tests give each file its own). */
  agentSchema?: string;
  queueSchema?: string;
  /** False: do not run the tick loop (tests call agent.tick() with their own clock). */
  autoTick?: boolean;
  dashboard?: (agent: Agent, db: AgentDb) => NonNullable<Parameters<typeof startAgentHttp>[0]['extra']>;
}

export interface RunningAgent {
  agent: Agent;
  db: AgentDb;
  queue: RunQueue;
  poller?: DbtPoller;
  http?: AgentHttp;
  log: Logger;
  stop(timeoutMs?: number): Promise<void>;
}

export async function startAgent(o: StartAgentOptions): Promise<RunningAgent> {
  const log = o.log ?? pino({ base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  const concurrency = o.concurrency ?? 4;
  const db = new AgentDb(o.databaseUrl, o.agentSchema, concurrency + 4);
  await db.migrate();
  const first = await o.readState();
  if (!first) {
    await db.close();
    throw new UserError(
      'Nothing is applied in this workspace yet: the agent runs what was applied',
      'Run `backflow apply` first.',
    );
  }
  const queue = new RunQueue({
    connectionString: o.databaseUrl,
    workspace: first.lineage,
    schema: o.queueSchema,
    leaseSeconds: o.leaseSeconds ?? 900,
    pollingIntervalSeconds: o.pollingIntervalSeconds,
    maintenanceIntervalSeconds: o.maintenanceIntervalSeconds,
  });
  await queue.start((err) => log.error({ err: err.message }, 'queue error'));
  const metrics = agentMetrics(() => queue.depth());
  const agent = new Agent({
    readState: o.readState,
    db,
    queue,
    runFn: o.runFn,
    log,
    metrics,
    now: o.now,
    concurrency,
    afterSyncOnPartial: o.afterSyncOnPartial,
    deferSeconds: o.deferSeconds,
  });
  await agent.reload();
  await agent.startWorking();

  const timers: NodeJS.Timeout[] = [];
  const loop = (ms: number, fn: () => Promise<unknown>, what: string) => {
    let busy = false;
    timers.push(
      setInterval(() => {
        if (busy) return;
        busy = true;
        fn()
          .catch((err: unknown) =>
            log.error({ err: err instanceof Error ? err.message : String(err) }, `${what} failed`),
          )
          .finally(() => (busy = false));
      }, ms),
    );
  };
  loop(o.reloadMs ?? 10_000, () => agent.reload(), 'state reload');
  if (o.autoTick !== false) loop(o.tickMs ?? 1_000, () => agent.tick(), 'schedule tick');
  const poller = o.dbtCloudClient
    ? new DbtPoller({
        agent,
        db,
        log,
        clientFor: o.dbtCloudClient,
        now: o.now,
        metrics,
        pollMs: o.dbtPollMs,
        catchUpMs: o.dbtCatchUpMs,
      })
    : undefined;
  // Each link has its own interval; the loop only looks for a due one.
  if (poller && o.autoTick !== false) loop(5_000, () => poller.tick(), 'dbt Cloud poll');

  // Secrets of the subscriptions the applied state records, as apply kept them, and any given by flag.
  const webhookSecrets = async (): Promise<string[]> => {
    const ids = [...(agent.syncs?.links.values() ?? [])].flatMap((l) =>
      l.subscriptionId ? [l.subscriptionId] : [],
    );
    return [...(o.webhookSecrets?.() ?? []), ...(await db.webhookSecrets(ids))];
  };

  let http: AgentHttp | undefined;
  if (o.listen) {
    http = await startAgentHttp({
      host: o.listen.host,
      port: o.listen.port,
      tls: o.listen.tls,
      agent,
      db,
      metrics,
      log,
      webhookSecrets,
      now: o.now,
      extra: o.dashboard?.(agent, db),
    });
    log.info({ url: http.url }, 'agent listening');
  }

  let stopped: Promise<void> | undefined;
  return {
    agent,
    db,
    queue,
    poller,
    http,
    log,
    stop: (timeoutMs) =>
      (stopped ??= (async () => {
        for (const t of timers) clearInterval(t);
        await http?.close();
        await agent.shutdown(timeoutMs);
        await db.close();
        log.info('agent stopped');
      })()),
  };
}
