/**
 * The polling fallback for syncs that run after dbt Cloud jobs. For each applied `dbt_cloud` link and each
 * job its syncs name, it reads the job's latest runs through the Admin API v2
 * (`/runs/?job_definition_id=J&order_by=-id`) and starts the syncs once for each new successful run.
 * Links in `poll` mode (no webhook: the key may not manage webhooks, no webhook_url, or trigger_mode
 * "poll") are read every `pollMs`; links with a webhook every `catchUpMs`, to catch deliveries dbt Cloud
 * gave up on.
 *
 * Exactly once: a per-job cursor (the last run id handled) moves in the same transaction that queues the
 * runs, and the dbt Cloud run itself is claimed there too (`claimDbtRun`), shared with the webhook
 * endpoint, so a run seen by both, by two agents, or before and after a restart starts its syncs once.
 * The cursor never passes a run still in progress: it would be missed when it finished. The first look at
 * a job records where it stands: runs from before the agent watched are history, not triggers.
 */
import type { Logger } from 'pino';
import type { Agent } from './agent';
import type { AgentDb } from './agent-db';
import type { AgentMetrics } from './metrics';
import { dbtJobKey, type DbtCloudLink, type WorkspaceSyncs } from './workspace-syncs';

/** What the poller needs of a dbt Cloud client. */
export interface RunsReader {
  runs(params: {
    job_definition_id: number;
    order_by: string;
    limit: number;
  }): Promise<{ id: number; job_definition_id: number; status: number }[]>;
}

export interface DbtPollerOptions {
  agent: Agent;
  db: AgentDb;
  log: Logger;
  /** The link's client (the key read again from its secret reference). */
  clientFor: (link: DbtCloudLink) => RunsReader;
  now?: () => number;
  /** Polls, errors and the last clean poll per link on /metrics. */
  metrics?: Pick<AgentMetrics, 'dbtPolls' | 'dbtPollErrors' | 'dbtLastPoll'>;
  /** Links in poll mode: this often. Default 60 s. */
  pollMs?: number;
  /** Links with a webhook: this often, for missed deliveries. Default 10 min. */
  catchUpMs?: number;
  /** Runs read per job per poll. Default 25. */
  pageSize?: number;
}

const SUCCESS = 10;
/** Finished: success, error, cancelled. Anything else (queued, starting, running) may still change. */
const FINISHED = new Set([10, 20, 30]);

export class DbtPoller {
  private readonly last = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly o: DbtPollerOptions) {
    this.now = o.now ?? (() => Date.now());
  }

  /** Polls the links that are due (every link with `force`); returns the syncs it queued. */
  async tick(force = false): Promise<string[]> {
    const ws = this.o.agent.syncs;
    if (!ws) return [];
    const queued: string[] = [];
    for (const link of ws.links.values()) {
      const jobs = ws.jobsByLink.get(link.name) ?? [];
      if (jobs.length === 0) continue;
      const every = link.mode === 'poll' ? (this.o.pollMs ?? 60_000) : (this.o.catchUpMs ?? 600_000);
      const key = `${link.name}:${link.mode}`;
      const at = this.now();
      if (!force && at - (this.last.get(key) ?? -Infinity) < every) continue;
      this.last.set(key, at);
      const labels = { link: link.name, mode: link.mode === 'poll' ? 'poll' : 'catch_up' };
      const m = this.o.metrics;
      let client: RunsReader;
      try {
        client = this.o.clientFor(link);
      } catch (err) {
        m?.dbtPolls.inc(labels, jobs.length);
        m?.dbtPollErrors.inc(labels, jobs.length);
        this.o.log.error({ link: link.name, err: message(err) }, 'dbt Cloud poll: no client');
        continue;
      }
      let failed = false;
      for (const job of jobs) {
        m?.dbtPolls.inc(labels);
        try {
          queued.push(...(await this.pollJob(ws, link, client, job)));
        } catch (err) {
          failed = true;
          m?.dbtPollErrors.inc(labels);
          this.o.log.warn({ link: link.name, job_id: job, err: message(err) }, 'dbt Cloud poll failed');
        }
      }
      if (!failed) m?.dbtLastPoll.set(labels, this.now() / 1000);
    }
    if (queued.length > 0) this.o.agent.wake();
    return queued;
  }

  private async pollJob(
    ws: WorkspaceSyncs,
    link: DbtCloudLink,
    client: RunsReader,
    jobId: number,
  ): Promise<string[]> {
    const page = await client.runs({
      job_definition_id: jobId,
      order_by: '-id',
      limit: this.o.pageSize ?? 25,
    });
    const runs = page.filter((r) => r.job_definition_id === jobId).sort((a, b) => a.id - b.id);
    const cursor = await this.o.db.pollCursor(ws.lineage, link.accountId, jobId);
    if (cursor === undefined) {
      let baseline = 0;
      for (const r of runs) {
        if (!FINISHED.has(r.status)) break;
        baseline = r.id;
      }
      await this.o.db.advancePoll(ws.lineage, link.accountId, jobId, baseline, async () => undefined);
      this.o.log.info(
        { link: link.name, job_id: jobId, last_run_id: baseline },
        'dbt Cloud poll: watching job',
      );
      return [];
    }
    const queued: string[] = [];
    const syncs = ws.byDbtJob.get(dbtJobKey(link.accountId, jobId)) ?? [];
    for (const r of runs) {
      if (r.id <= cursor) continue;
      if (!FINISHED.has(r.status)) break;
      const fired: string[] = [];
      await this.o.db.advancePoll(ws.lineage, link.accountId, jobId, r.id, async (tx) => {
        if (r.status !== SUCCESS) return;
        if (!(await this.o.db.claimDbtRun(tx, ws.lineage, link.accountId, r.id))) return;
        for (const sync of syncs) {
          await this.o.agent.enqueue(
            { sync, trigger: `dbt_cloud:${jobId}/${r.id}`, chain: [], at: this.now() },
            tx,
          );
          fired.push(sync);
        }
      });
      if (fired.length > 0)
        this.o.log.info(
          { link: link.name, job_id: jobId, dbt_run_id: r.id, syncs: fired, mode: link.mode },
          'dbt Cloud job finished (polled): runs queued',
        );
      queued.push(...fired);
    }
    return queued;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
