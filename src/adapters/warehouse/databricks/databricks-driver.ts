/**
 * One @databricks/sql client and session per source, opened on first use (Thrift over HTTPS to the SQL
 * warehouse). Statements are sent with direct results, so a statement is one HTTP request; each is
 * counted. Telemetry is off: the driver would otherwise post usage to the workspace.
 */
import type { DBSQLClient } from '@databricks/sql';
import type IDBSQLSession from '@databricks/sql/dist/contracts/IDBSQLSession';
import type { DatabricksSettings } from './databricks-settings';

export type DatabricksModule = typeof import('@databricks/sql');

export interface DatabricksColumn {
  name: string;
  /** Type name with parameters: BIGINT, STRING, DECIMAL(10,2), ARRAY, ... */
  type: string;
}

export interface DatabricksResult {
  columns: DatabricksColumn[];
  rows: Record<string, unknown>[];
}

/**
 * @databricks/sql 2.0's Thrift transport builds its HTTPS agent with `rejectUnauthorized: false`: the
 * warehouse's certificate is not checked, so anyone in the path could read the token. Backflow turns
 * verification back on (public roots, plus `ca_cert` when set) on the agent the driver creates.
 */
export function verifyCertificates(client: DBSQLClient, ca: string | undefined): void {
  // createConnectionProvider is internal to the driver (private in its types): wrapped on this instance.
  const target = client as unknown as { createConnectionProvider?: (options: unknown) => unknown };
  const base = target.createConnectionProvider;
  if (typeof base !== 'function') return;
  target.createConnectionProvider = function createConnectionProvider(this: unknown, options: unknown) {
    const provider = base.call(this, options) as {
      createHttpsAgent?: () => { options: Record<string, unknown> };
    };
    const original = provider.createHttpsAgent;
    if (typeof original === 'function') {
      provider.createHttpsAgent = function createHttpsAgent(this: unknown) {
        const agent = original.call(this);
        agent.options.rejectUnauthorized = true;
        if (ca) agent.options.ca = ca;
        return agent;
      };
    }
    return provider;
  };
}

export class DatabricksConnectTimeout extends Error {
  readonly code = 'BACKFLOW_CONNECT_TIMEOUT';
}

/** TTypeId numbers of the Thrift protocol → type names (the subset Spark SQL returns). */
const TYPE_NAMES: Record<number, string> = {
  0: 'BOOLEAN',
  1: 'TINYINT',
  2: 'SMALLINT',
  3: 'INT',
  4: 'BIGINT',
  5: 'FLOAT',
  6: 'DOUBLE',
  7: 'STRING',
  8: 'TIMESTAMP',
  9: 'BINARY',
  10: 'ARRAY',
  11: 'MAP',
  12: 'STRUCT',
  13: 'UNIONTYPE',
  14: 'USER_DEFINED',
  15: 'DECIMAL',
  16: 'NULL',
  17: 'DATE',
  18: 'VARCHAR',
  19: 'CHAR',
  20: 'INTERVAL_YEAR_MONTH',
  21: 'INTERVAL_DAY_TIME',
};

interface ThriftColumnDesc {
  columnName: string;
  typeDesc?: {
    types?: {
      primitiveEntry?: {
        type: number;
        typeQualifiers?: { qualifiers?: Record<string, { i32Value?: number }> } | null;
      } | null;
    }[];
  };
}

export function typeName(desc: ThriftColumnDesc): string {
  const entry = desc.typeDesc?.types?.[0]?.primitiveEntry;
  if (!entry) return 'STRING';
  const name = TYPE_NAMES[entry.type] ?? 'STRING';
  const q = entry.typeQualifiers?.qualifiers;
  if (name === 'DECIMAL' && q?.precision?.i32Value !== undefined) {
    return `DECIMAL(${q.precision.i32Value},${q.scale?.i32Value ?? 0})`;
  }
  return name;
}

export class DatabricksDriver {
  roundTrips = 0;
  private client: DBSQLClient | undefined;
  private session: IDBSQLSession | undefined;
  private opening: Promise<IDBSQLSession> | undefined;

  constructor(
    private readonly sql: DatabricksModule,
    private readonly settings: DatabricksSettings,
  ) {}

  async execute(statement: string): Promise<DatabricksResult> {
    const session = await this.connect();
    this.roundTrips += 1;
    const operation = await session.executeStatement(statement, {
      runAsync: true,
      maxRows: 100000,
      queryTimeout: Math.max(1, Math.ceil(this.settings.statement_timeout_ms / 1000)),
    });
    try {
      const rows = (await operation.fetchAll()) as Record<string, unknown>[];
      const schema = (await operation.getSchema()) as { columns?: ThriftColumnDesc[] } | null;
      const columns = (schema?.columns ?? []).map((c) => ({ name: c.columnName, type: typeName(c) }));
      return { columns, rows };
    } finally {
      await operation.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    const session = this.session ?? (await this.opening?.catch(() => undefined));
    this.session = undefined;
    this.opening = undefined;
    await session?.close().catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
  }

  private connect(): Promise<IDBSQLSession> {
    if (this.session) return Promise.resolve(this.session);
    if (!this.opening) {
      this.opening = this.open().finally(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async open(): Promise<IDBSQLSession> {
    const s = this.settings;
    const client = new this.sql.DBSQLClient({ logger: { log: () => undefined } as never });
    verifyCertificates(client, s.ca_cert);
    // Errors on the connection after it opened surface through the calls; do not crash on the event.
    client.on('error', () => undefined);
    const attempt = (async () => {
      await client.connect({
        host: s.host,
        port: s.port,
        path: s.http_path,
        token: s.token,
        // Idle sockets only: statements are polled, so a slow query keeps its socket busy.
        socketTimeout: Math.max(s.connect_timeout_ms, 60_000),
        retryMaxAttempts: 2,
        retryDelayMin: 200,
        retryDelayMax: 1000,
        retriesTimeout: s.connect_timeout_ms,
        preserveBigNumericPrecision: true,
        telemetryEnabled: false,
        userAgentEntry: 'Backflow',
      });
      return client.openSession({
        initialCatalog: s.catalog,
        configuration: { STATEMENT_TIMEOUT: String(Math.max(1, Math.ceil(s.statement_timeout_ms / 1000))) },
      });
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DatabricksConnectTimeout(`timed out after ${s.connect_timeout_ms} ms`)),
        s.connect_timeout_ms,
      );
      timer.unref?.();
    });
    attempt.catch(() => undefined);
    try {
      const session = await Promise.race([attempt, timeout]);
      this.client = client;
      this.session = session;
      return session;
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}
