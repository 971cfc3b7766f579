/**
 * A small pool of `pg.Client` sessions per source (at most MAX_SESSIONS), each opened when a caller finds
 * none idle. The driver knows nothing of Backflow's SQL: it opens sessions, runs statements, and counts
 * round trips so benchmarks can prove that refresh cost does not grow with the number of models.
 *
 * `pg` is passed in (the dialect requires it lazily), so importing this file never loads the driver.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Client, ClientConfig, CustomTypesConfig, QueryResult, QueryResultRow } from 'pg';
import type { PostgresSettings, SslMode } from './postgres-settings';
import { PipelineError, ReadOnlyPipeline, type PipelineStep } from './postgres-pipeline';

export type PgModule = typeof import('pg');

/**
 * libpq's sslmode mapped onto node's TLS options. `pg` cannot fall back from TLS to plain text, so
 * `allow`/`prefer` connect without TLS (a server that insists gets a hint to use `require`).
 */
export function sslOptions(mode: SslMode): boolean | ConnectionOptions {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // Verify the chain but not the host name, as libpq does for verify-ca.
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

export function clientConfig(settings: PostgresSettings): ClientConfig {
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    // Only the source's own password secret: never PGPASSWORD or ~/.pgpass, the driver's fallbacks when
    // none is set, which a new source at another host (contacted by plan: it has no secret) would collect.
    password: () => settings.password ?? '',
    ssl: sslOptions(settings.sslmode),
    application_name: 'backflow',
    connectionTimeoutMillis: settings.connect_timeout_ms,
    statement_timeout: settings.statement_timeout_ms,
    keepAlive: true,
  };
}

/** One session, handed to a caller that holds it exclusively (see `PostgresDriver.exclusive`). */
export interface PostgresSession {
  /** Changes when the driver reconnects, so per-session setup (temp functions) knows to run again. */
  readonly id: number;
  /** One statement (extended protocol when there are parameters): one round trip. */
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params?: unknown[],
    types?: CustomTypesConfig,
  ): Promise<QueryResult<R>>;
  /**
   * Several statements in one simple-protocol message: one round trip, run by the server as a single
   * implicit transaction. No parameters are possible, so callers must quote every value.
   */
  multi(text: string): Promise<QueryResult[]>;
  /**
   * Statements run inside `BEGIN TRANSACTION READ ONLY` ... `ROLLBACK`, each parsed on its own (so each
   * is exactly one statement), all in one round trip. Every read Backflow makes goes through here.
   * Rejects with a PipelineError naming the failed step.
   */
  readOnly(steps: readonly PipelineStep[]): Promise<QueryResult[]>;
}

/**
 * Sessions a driver opens at most. The engine calls an adapter from up to `--parallelism` actions at once;
 * with one session every read queued behind every other call. A few sessions let the warehouse describe
 * and check several models at once without taking many of its connection slots (Postgres allows 100 by
 * default, shared by every client). A session opens only when a caller finds none idle.
 */
export const MAX_SESSIONS = 4;

/** Writes merged into one transaction at most (see `batchedWrite`). */
export const MAX_WRITE_BATCH = 200;

interface Pooled {
  client: Client;
  id: number;
  /** False once the connection errored or ended: it is dropped instead of being handed out again. */
  alive: boolean;
}

interface BatchItem {
  text: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PostgresDriver {
  /** Statements sent since the driver was made; the connection handshake itself is not counted. */
  roundTrips = 0;
  private sessions = 0;
  /** Open sessions nobody holds. */
  private readonly idle: Pooled[] = [];
  /** Callers waiting for a session, first come first served. */
  private readonly waiting: (() => void)[] = [];
  /** Sessions held by a caller or being opened. */
  private held = 0;
  /** Settles when every write asked for so far has settled. */
  private writes: Promise<unknown> = Promise.resolve();
  /** Reads asked for since the last write: the next write waits for them. */
  private readsSinceWrite: Promise<unknown>[] = [];
  /** The batch of writes that later batched writes may still join (nothing else was asked for since). */
  private openBatch: BatchItem[] | undefined;
  /** Work in flight, so close() can wait for it. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly pg: PgModule,
    private readonly settings: PostgresSettings,
    private readonly maxSessions = MAX_SESSIONS,
  ) {}

  /**
   * Runs `fn`, which may write, with a session to itself: nothing else is sent on that session until it
   * settles, so a transaction it opens (its advisory locks, its `on commit drop` temporary tables) never
   * captures another caller's statement. Calls keep the order they were made in, as on one session: a
   * write starts once every call made before it has settled, and a read once every earlier write has.
   */
  exclusive<T>(fn: (session: PostgresSession) => Promise<T>): Promise<T> {
    this.openBatch = undefined;
    const before = [this.writes, ...this.readsSinceWrite];
    const run = Promise.all(before).then(() => this.withSession(fn));
    this.writes = this.track(run);
    this.readsSinceWrite = [];
    return run;
  }

  /**
   * Runs `fn`, which only reads (read-only transactions, catalog lookups), on a session of its own, at the
   * same time as other reads: the describes and primary-key checks of many models no longer wait for each
   * other. It still starts after every write asked for before it, so it sees what they did.
   */
  reading<T>(fn: (session: PostgresSession) => Promise<T>): Promise<T> {
    this.openBatch = undefined;
    const run = this.writes.then(() => this.withSession(fn));
    this.readsSinceWrite.push(this.track(run));
    return run;
  }

  /**
   * A write made of whole statements without parameters (DDL under an advisory lock), sent as one
   * simple-protocol message: alone, it runs as one implicit transaction, as `multi` does. Batched writes
   * asked for one after another, with nothing else in between, while earlier work still runs (an apply
   * creating many tables at `--parallelism` 10) go together: one `begin; ...; commit` message, one round
   * trip and one commit for up to MAX_WRITE_BATCH of them. If that transaction fails, each is run again
   * on its own, so each caller gets exactly its own result or error, in order.
   */
  batchedWrite(text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const item = { text, resolve, reject };
      if (this.openBatch !== undefined && this.openBatch.length < MAX_WRITE_BATCH) {
        this.openBatch.push(item);
        return;
      }
      const batch = [item];
      void this.exclusive(async (session) => {
        if (this.openBatch === batch) this.openBatch = undefined;
        await this.runBatch(session, batch);
      }).catch(() => undefined); // every item was settled by runBatch
      this.openBatch = batch;
    });
  }

  private async runBatch(session: PostgresSession, batch: readonly BatchItem[]): Promise<void> {
    if (batch.length > 1) {
      try {
        await session.multi(['begin', ...batch.map((b) => b.text), 'commit'].join(';\n'));
        for (const b of batch) b.resolve();
        return;
      } catch {
        // The server skipped the rest of the message, `commit` included: end the aborted transaction,
        // then let each write succeed or fail on its own.
        await session.query('rollback').catch(() => undefined);
      }
    }
    for (const b of batch) await session.multi(b.text).then(() => b.resolve(), b.reject);
  }

  private track(run: Promise<unknown>): Promise<unknown> {
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return settled;
  }

  private async withSession<T>(fn: (session: PostgresSession) => Promise<T>): Promise<T> {
    while (this.held >= this.maxSessions) await new Promise<void>((wake) => this.waiting.push(wake));
    this.held += 1;
    let pooled: Pooled | undefined;
    try {
      pooled = this.idle.pop() ?? (await this.open());
      return await fn(this.session(pooled));
    } finally {
      if (pooled?.alive) this.idle.push(pooled);
      this.held -= 1;
      this.waiting.shift()?.();
    }
  }

  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params?: unknown[],
    types?: CustomTypesConfig,
  ): Promise<QueryResult<R>> {
    return this.exclusive((session) => session.query<R>(text, params, types));
  }

  /** One statement in a read-only transaction (see PostgresSession.readOnly). */
  async read<R extends QueryResultRow = QueryResultRow>(
    text: string,
    params?: unknown[],
    types?: CustomTypesConfig,
  ): Promise<QueryResult<R>> {
    const [result] = await this.reading((session) => session.readOnly([{ text, values: params, types }]));
    return result as QueryResult<R>;
  }

  private session({ client, id }: Pooled): PostgresSession {
    return {
      id,
      query: <R extends QueryResultRow>(text: string, params?: unknown[], types?: CustomTypesConfig) => {
        this.roundTrips += 1;
        return client.query<R>({ text, values: params, types });
      },
      multi: async (text: string) => {
        this.roundTrips += 1;
        const result = (await client.query(text)) as QueryResult | QueryResult[];
        return Array.isArray(result) ? result : [result];
      },
      readOnly: async (steps: readonly PipelineStep[]) => {
        this.roundTrips += 1;
        // `pg` exports these at runtime, but its type definitions do not declare them.
        const internals = this.pg as unknown as { Result: never; utils: { prepareValue: unknown } };
        const pipeline = new ReadOnlyPipeline(steps, internals.Result, internals.utils.prepareValue);
        try {
          return await new Promise<QueryResult[]>((resolve, reject) => {
            pipeline.callback = (err, results) => (err ? reject(err) : resolve(results!));
            void client.query(pipeline as never);
          });
        } catch (err) {
          // The server skipped the ROLLBACK after the error; end the aborted transaction ourselves.
          if (err instanceof PipelineError) {
            this.roundTrips += 1;
            await client.query('rollback').catch(() => undefined);
          }
          throw err;
        }
      },
    };
  }

  /** Waits for work in flight, then ends every session. */
  async close(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    const all = this.idle.splice(0);
    await Promise.all(all.map((p) => p.client.end().catch(() => undefined)));
  }

  private async open(): Promise<Pooled> {
    const client = new this.pg.Client(clientConfig(this.settings));
    const pooled: Pooled = { client, id: 0, alive: true };
    // A dropped connection emits 'error' on the client; without a listener node would crash the process.
    // Forget the session so the next caller opens a fresh one.
    const forget = () => {
      pooled.alive = false;
      const i = this.idle.indexOf(pooled);
      if (i >= 0) this.idle.splice(i, 1);
    };
    client.on('error', forget);
    client.on('end', forget);
    try {
      await client.connect();
    } catch (err) {
      pooled.alive = false;
      await client.end().catch(() => undefined);
      throw err;
    }
    this.sessions += 1;
    pooled.id = this.sessions;
    return pooled;
  }
}
