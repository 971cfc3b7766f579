/**
 * One `pg.Client` per source, opened on first use. The driver knows nothing of Backflow's SQL: it opens
 * the session, runs statements, and counts round trips so benchmarks can prove that refresh cost does not
 * grow with the number of models.
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
    password: settings.password,
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

export class PostgresDriver {
  /** Statements sent since the driver was made; the connection handshake itself is not counted. */
  roundTrips = 0;
  private sessions = 0;
  private client: Client | undefined;
  private opening: Promise<Client> | undefined;
  /** Callers queue here: the engine may call an adapter in parallel, but a session is one conversation. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pg: PgModule,
    private readonly settings: PostgresSettings,
  ) {}

  /**
   * Runs `fn` with the session to itself: nothing else is sent until it settles, so a transaction it
   * opens (a read-only preview) never captures another caller's statement.
   */
  exclusive<T>(fn: (session: PostgresSession) => Promise<T>): Promise<T> {
    const run = this.tail.then(async () => fn(this.session(await this.connect())));
    this.tail = run.catch(() => undefined);
    return run;
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
    const [result] = await this.exclusive((session) => session.readOnly([{ text, values: params, types }]));
    return result as QueryResult<R>;
  }

  private session(client: Client): PostgresSession {
    return {
      id: this.sessions,
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

  /** Waits for queued work, then ends the session. */
  async close(): Promise<void> {
    await this.tail;
    const client = this.client ?? (await this.opening?.catch(() => undefined));
    this.client = undefined;
    this.opening = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (!this.opening) {
      this.opening = this.open().finally(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async open(): Promise<Client> {
    const client = new this.pg.Client(clientConfig(this.settings));
    // A dropped connection emits 'error' on the client; without a listener node would crash the process.
    // Forget the client so the next statement opens a fresh session.
    const forget = () => {
      if (this.client === client) this.client = undefined;
    };
    client.on('error', forget);
    client.on('end', forget);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    this.sessions += 1;
    return client;
  }
}
