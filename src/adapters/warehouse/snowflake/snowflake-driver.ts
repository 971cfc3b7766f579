/**
 * One snowflake-sdk connection per source, opened on first use. It runs statements, returns rows as arrays
 * (Backflow's own statements may repeat column names) with the column metadata, and counts statements so
 * benchmarks can prove refresh cost does not grow with the number of models.
 *
 * The SDK is passed in by the dialect, which requires it lazily. Before it loads, platform detection (which
 * probes cloud metadata addresses at import time) is turned off unless the user chose otherwise.
 */
import type { Binds, Connection, ConnectionOptions, DataType, SnowflakeError } from 'snowflake-sdk';
import type { SnowflakeSettings } from './snowflake-settings';

export type SnowflakeSdk = typeof import('snowflake-sdk');

/** The SDK, configured once: no log file, no console output, no metadata probes. */
export function loadSnowflakeSdk(): SnowflakeSdk {
  process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
  const sdk = require('snowflake-sdk') as SnowflakeSdk;
  sdk.configure({ logLevel: 'OFF', additionalLogToConsole: false });
  return sdk;
}

export interface SnowflakeColumn {
  name: string;
  /** The SDK's type name: fixed, real, text, boolean, date, time, timestamp_ntz/ltz/tz, variant, ... */
  type: string;
  precision?: number;
  scale?: number;
}

export interface SnowflakeResult {
  columns: SnowflakeColumn[];
  rows: unknown[][];
}

export interface ExecuteOptions {
  binds?: Binds;
  /** Return these kinds as strings (exact numbers for previews). */
  fetchAsString?: DataType[];
}

/** Marks the error of a connection attempt that ran out of time, for the error mapper. */
export class SnowflakeConnectTimeout extends Error {
  readonly code = 'BACKFLOW_CONNECT_TIMEOUT';
}

export function connectionOptions(settings: SnowflakeSettings): ConnectionOptions {
  const options: ConnectionOptions = {
    account: settings.account,
    username: settings.user,
    warehouse: settings.warehouse,
    database: settings.database,
    application: 'Backflow',
    rowMode: 'array',
    representNullAsStringNull: false,
    // Per HTTP request: Snowflake answers a long query after ~45 s with "still running" and the SDK polls,
    // so this must stay above that. Sign-in as a whole is bounded by connect_timeout_ms (see open()).
    timeout: 90_000,
    sfRetryMaxLoginRetries: 1,
    clientSessionKeepAlive: false,
  };
  if (settings.role) options.role = settings.role;
  if (settings.schema) options.schema = settings.schema;
  if (settings.access_url) options.accessUrl = settings.access_url;
  if (settings.private_key) {
    options.authenticator = 'SNOWFLAKE_JWT';
    options.privateKey = settings.private_key;
  } else {
    options.authenticator = 'SNOWFLAKE';
    options.password = settings.password;
  }
  return options;
}

export class SnowflakeDriver {
  /** Statements sent since the driver was made; sign-in is not counted. */
  roundTrips = 0;
  private connection: Connection | undefined;
  private opening: Promise<Connection> | undefined;

  constructor(
    private readonly sdk: SnowflakeSdk,
    private readonly settings: SnowflakeSettings,
  ) {}

  async execute(sqlText: string, options: ExecuteOptions = {}): Promise<SnowflakeResult> {
    const connection = await this.connect();
    this.roundTrips += 1;
    return new Promise((resolve, reject) => {
      connection.execute({
        sqlText,
        binds: options.binds,
        fetchAsString: options.fetchAsString,
        parameters: {
          STATEMENT_TIMEOUT_IN_SECONDS: Math.max(1, Math.ceil(this.settings.statement_timeout_ms / 1000)),
          QUERY_TAG: 'backflow',
          // Snowflake itself refuses a request holding more than one statement: a second line of
          // defence behind Backflow's lexer (sql-text.ts).
          MULTI_STATEMENT_COUNT: 1,
        },
        complete: (err, stmt, rows) => {
          if (err) return reject(err);
          const columns = (stmt.getColumns() ?? []).map((c) => ({
            name: c.getName(),
            type: String(c.getType()),
            precision: c.getPrecision() ?? undefined,
            scale: c.getScale() ?? undefined,
          }));
          resolve({ columns, rows: (rows ?? []) as unknown[][] });
        },
      } as Parameters<Connection['execute']>[0]);
    });
  }

  async close(): Promise<void> {
    const connection = this.connection ?? (await this.opening?.catch(() => undefined));
    this.connection = undefined;
    this.opening = undefined;
    if (connection) await destroy(connection);
  }

  private connect(): Promise<Connection> {
    if (this.connection && this.connection.isUp()) return Promise.resolve(this.connection);
    if (!this.opening) {
      this.opening = this.open().finally(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  /**
   * Signs in. `connect(cb)`, not `connectAsync()`: the latter resolves even when sign-in fails. The SDK
   * retries network failures for minutes; `connect_timeout_ms` bounds the whole attempt.
   */
  private open(): Promise<Connection> {
    const connection = this.sdk.createConnection(connectionOptions(this.settings));
    return new Promise<Connection>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        void destroy(connection);
        reject(new SnowflakeConnectTimeout(`timed out after ${this.settings.connect_timeout_ms} ms`));
      }, this.settings.connect_timeout_ms);
      timer.unref?.();
      connection.connect((err: SnowflakeError | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          void destroy(connection);
          reject(err);
        } else {
          this.connection = connection;
          resolve(connection);
        }
      });
    });
  }
}

function destroy(connection: Connection): Promise<void> {
  return new Promise((resolve) => {
    try {
      connection.destroy(() => resolve());
    } catch {
      resolve();
    }
  });
}
