/**
 * The agent's own tables, beside pg-boss's schema on the same database: schedule cursors, dbt Cloud
 * events already seen (de-duplication on `eventId`), and the polling fallback's last seen run per job.
 * Rows are keyed by workspace (the state's lineage), so several workspaces can share one database.
 */
import { Pool, type PoolClient } from 'pg';
import type { Cursor, CursorStore, Tx } from './scheduler';

export const AGENT_SCHEMA = 'backflow_agent';

function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class AgentDb {
  readonly pool: Pool;
  private readonly s: string;

  constructor(connectionString: string, schema = AGENT_SCHEMA, max = 6) {
    this.pool = new Pool({ connectionString, max, application_name: 'backflow agent' });
    // An idle client that errors (server restart) must not crash the agent: the next query reconnects.
    this.pool.on('error', () => undefined);
    this.s = q(schema);
  }

  async migrate(): Promise<void> {
    const c = await this.pool.connect();
    try {
      await c.query('select pg_advisory_lock(hashtext($1))', [`backflow-agent-migrate:${this.s}`]);
      await c.query(`create schema if not exists ${this.s}`);
      await c.query(`create table if not exists ${this.s}.schedule_cursor (
        workspace text not null, sync text not null, schedule_key text not null, last_slot_ms bigint not null,
        primary key (workspace, sync))`);
      await c.query(`create table if not exists ${this.s}.dbt_event (
        workspace text not null, event_id text not null, received_at timestamptz not null default now(),
        primary key (workspace, event_id))`);
      await c.query(`create table if not exists ${this.s}.dbt_poll_cursor (
        workspace text not null, account_id bigint not null, job_id bigint not null, last_run_id bigint not null,
        primary key (workspace, account_id, job_id))`);
      // HMAC secrets of dbt Cloud webhook subscriptions, written by apply (never in state); see README.
      await c.query(`create table if not exists ${this.s}.dbt_webhook_secret (
        subscription_id text primary key, account_id bigint not null, secret text not null,
        created_at timestamptz not null default now())`);
    } finally {
      await c
        .query('select pg_advisory_unlock(hashtext($1))', [`backflow-agent-migrate:${this.s}`])
        .catch(() => undefined);
      c.release();
    }
  }

  /** Runs `fn` in a transaction; commits unless it throws or returns false. */
  async tx<T>(fn: (tx: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('begin');
      const out = await fn(c);
      await c.query(out === false ? 'rollback' : 'commit');
      return out;
    } catch (err) {
      await c.query('rollback').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  cursors(workspace: string): CursorStore {
    const s = this.s;
    return {
      ensureAll: async (syncs, now) => {
        const out = new Map<string, Cursor>();
        // A few thousand per statement: one round trip each, parameters stay two arrays.
        for (let i = 0; i < syncs.length; i += 5000) {
          const part = syncs.slice(i, i + 5000);
          const { rows } = await this.pool.query<{
            sync: string;
            schedule_key: string;
            last_slot_ms: string;
          }>(
            `insert into ${s}.schedule_cursor (workspace, sync, schedule_key, last_slot_ms)
             select $1, u.sync, u.key, $4 from unnest($2::text[], $3::text[]) as u(sync, key)
             on conflict (workspace, sync) do update
               set schedule_key = excluded.schedule_key,
                   last_slot_ms = case when ${s}.schedule_cursor.schedule_key = excluded.schedule_key
                                       then ${s}.schedule_cursor.last_slot_ms else excluded.last_slot_ms end
             returning sync, schedule_key, last_slot_ms`,
            [workspace, part.map((p) => p.sync), part.map((p) => p.key), now],
          );
          for (const r of rows) out.set(r.sync, { key: r.schedule_key, last: Number(r.last_slot_ms) });
        }
        return out;
      },
      claim: (sync, key, slot, fire) =>
        this.tx(async (c) => {
          const r = await c.query(
            `update ${s}.schedule_cursor set last_slot_ms = $4
              where workspace = $1 and sync = $2 and schedule_key = $3 and last_slot_ms < $4`,
            [workspace, sync, key, slot],
          );
          if (r.rowCount !== 1) return false;
          await fire(c as Tx);
          return true;
        }),
      read: async (sync): Promise<Cursor | undefined> => {
        const { rows } = await this.pool.query<{ schedule_key: string; last_slot_ms: string }>(
          `select schedule_key, last_slot_ms from ${s}.schedule_cursor where workspace = $1 and sync = $2`,
          [workspace, sync],
        );
        return rows[0] && { key: rows[0].schedule_key, last: Number(rows[0].last_slot_ms) };
      },
    };
  }

  /** Records `eventId` and runs `fn` in the same transaction; false (nothing done) for an event already seen. */
  firstDelivery(workspace: string, eventId: string, fn: (tx: Tx) => Promise<void>): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query(
        `insert into ${this.s}.dbt_event (workspace, event_id) values ($1, $2) on conflict do nothing`,
        [workspace, eventId],
      );
      if (r.rowCount !== 1) return false;
      await fn(c as Tx);
      return true;
    });
  }

  /** Last run id the poller handled for a job; undefined the first time. */
  async pollCursor(workspace: string, accountId: number, jobId: number): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ last_run_id: string }>(
      `select last_run_id from ${this.s}.dbt_poll_cursor where workspace = $1 and account_id = $2 and job_id = $3`,
      [workspace, accountId, jobId],
    );
    return rows[0] ? Number(rows[0].last_run_id) : undefined;
  }

  /** Moves the poll cursor forward to `runId` and runs `fn` in the same transaction; false if another agent did. */
  advancePoll(
    workspace: string,
    accountId: number,
    jobId: number,
    runId: number,
    fn: (tx: Tx) => Promise<void>,
  ): Promise<boolean> {
    return this.tx(async (c) => {
      const r = await c.query(
        `insert into ${this.s}.dbt_poll_cursor (workspace, account_id, job_id, last_run_id) values ($1, $2, $3, $4)
         on conflict (workspace, account_id, job_id) do update set last_run_id = excluded.last_run_id
           where ${this.s}.dbt_poll_cursor.last_run_id < excluded.last_run_id`,
        [workspace, accountId, jobId, runId],
      );
      if (r.rowCount !== 1) return false;
      await fn(c as Tx);
      return true;
    });
  }

  async saveWebhookSecret(accountId: number, subscriptionId: string, secret: string): Promise<void> {
    await this.pool.query(
      `insert into ${this.s}.dbt_webhook_secret (subscription_id, account_id, secret) values ($1, $2, $3)
       on conflict (subscription_id) do update set secret = excluded.secret, created_at = now()`,
      [subscriptionId, accountId, secret],
    );
  }

  async forgetWebhookSecret(subscriptionId: string): Promise<void> {
    await this.pool.query(`delete from ${this.s}.dbt_webhook_secret where subscription_id = $1`, [
      subscriptionId,
    ]);
  }

  /** The secrets of these subscriptions (those the applied state records). */
  async webhookSecrets(subscriptionIds: readonly string[]): Promise<string[]> {
    if (subscriptionIds.length === 0) return [];
    const { rows } = await this.pool.query<{ secret: string }>(
      `select secret from ${this.s}.dbt_webhook_secret where subscription_id = any($1::text[])`,
      [subscriptionIds],
    );
    return rows.map((r) => r.secret);
  }

  /**
   * Claims dbt Cloud run `runId` of `accountId` for this workspace inside `tx`: true the first time,
   * whichever of a webhook and the poller sees it first, so a run starts syncs once.
   */
  async claimDbtRun(tx: Tx, workspace: string, accountId: number, runId: number): Promise<boolean> {
    const r = await (tx as unknown as PoolClient).query(
      `insert into ${this.s}.dbt_event (workspace, event_id) values ($1, $2) on conflict do nothing`,
      [workspace, `run:${accountId}:${runId}`],
    );
    return r.rowCount === 1;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
