/**
 * Per-test-file databases on the cluster started by globalSetup (or the user's own server when
 * BACKFLOW_TEST_DATABASE_URL is set). Each test file calls `createTestDatabase('my_feature')` in beforeAll
 * and `drop()` in afterAll, so files never see each other's tables and can run in parallel.
 *
 * Roles are cluster-wide, so roles made through a TestDatabase are remembered and dropped with it.
 */
import { Client, type QueryResultRow } from 'pg';

/** A type alias, not an interface, so it is assignable to the adapters' `Record<string, unknown>` settings. */
export type TestSettings = {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslmode: 'disable';
};

export interface TestRole {
  name: string;
  password: string;
  /** Settings to connect to this test database as the role (same shape the adapter takes). */
  settings: TestSettings;
}

export interface TestDatabase {
  url: string;
  name: string;
  /** Superuser settings for this database. */
  settings: TestSettings;
  /** Runs SQL as the superuser in this database; returns the rows. */
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** A LOGIN role with a password (the harness checks passwords for every role but the superuser). */
  createRole(options?: { name?: string; password?: string }): Promise<TestRole>;
  /**
   * A LOGIN role that may only CONNECT to this database: PUBLIC's default CONNECT/TEMP on the database
   * is revoked, so the role lacks TEMP, CREATE and any schema privilege. For missing-grant tests.
   */
  createLeastPrivilegedRole(options?: { name?: string; password?: string }): Promise<TestRole>;
  /** Drops the database (forcing out leftover sessions) and every role made through it. */
  drop(): Promise<void>;
}

let counter = 0;

/** The superuser URL of the test cluster, as exported by test/helpers/global-setup.js. */
export function adminUrl(): string {
  const url = process.env.BACKFLOW_TEST_PG_URL ?? process.env.BACKFLOW_TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'BACKFLOW_TEST_PG_URL is not set: run tests through jest (its globalSetup starts Postgres) or set ' +
        'BACKFLOW_TEST_DATABASE_URL to a superuser URL of your own server.',
    );
  }
  return url;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Lower-case, unique across workers and runs sharing a server, within Postgres' 63-byte names. */
export function uniqueName(prefix: string): string {
  counter += 1;
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  const suffix = `${process.pid.toString(36)}_${Date.now().toString(36)}_${counter}`;
  return `bf_${clean}_${suffix}`;
}

function settingsFromUrl(url: string, database: string): TestSettings {
  const parsed = new URL(url);
  const settings: TestSettings = {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    database,
    user: decodeURIComponent(parsed.username || 'postgres'),
    sslmode: 'disable',
  };
  if (parsed.password) settings.password = decodeURIComponent(parsed.password);
  return settings;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const admin = adminUrl();
  const name = uniqueName(prefix);
  await withAdmin((c) => c.query(`create database ${quoteIdent(name)}`));

  const url = withDatabase(admin, name);
  const settings = settingsFromUrl(admin, name);
  const roles: string[] = [];
  let client: Client | undefined;

  // One lazily opened superuser session in the test database serves every query() call.
  async function session(): Promise<Client> {
    if (!client) {
      client = new Client({ connectionString: url });
      await client.connect();
    }
    return client;
  }

  async function query<R extends QueryResultRow = QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<R[]> {
    const c = await session();
    return (await c.query<R>(sql, params)).rows;
  }

  async function createRole(options: { name?: string; password?: string } = {}): Promise<TestRole> {
    const role = options.name ?? uniqueName('role');
    const password = options.password ?? `pw-${Math.random().toString(36).slice(2)}`;
    await query(`create role ${quoteIdent(role)} login password ${quoteLiteral(password)}`);
    roles.push(role);
    // What PUBLIC has by default, granted explicitly so a least-privileged role made later (which
    // revokes PUBLIC's defaults) does not lock this one out.
    await query(`grant connect, temporary on database ${quoteIdent(name)} to ${quoteIdent(role)}`);
    return { name: role, password, settings: { ...settings, user: role, password } };
  }

  async function createLeastPrivilegedRole(
    options: { name?: string; password?: string } = {},
  ): Promise<TestRole> {
    const role = await createRole(options);
    // Databases grant CONNECT and TEMP to PUBLIC by default; take them back so only CONNECT is explicit.
    await query(`revoke all on database ${quoteIdent(name)} from public, ${quoteIdent(role.name)}`);
    await query(`grant connect on database ${quoteIdent(name)} to ${quoteIdent(role.name)}`);
    return role;
  }

  async function drop(): Promise<void> {
    if (client) {
      await client.end().catch(() => undefined);
      client = undefined;
    }
    await withAdmin(async (c) => {
      await c.query(`drop database if exists ${quoteIdent(name)} with (force)`);
      for (const role of roles) await c.query(`drop role if exists ${quoteIdent(role)}`);
    });
  }

  return { url, name, settings, query, createRole, createLeastPrivilegedRole, drop };
}

/**
 * A warehouse for end-to-end tests: schema `analytics` holding what `tablesSql` creates, readable by
 * `role`, which may also create Backflow's own schema and temp tables (what setup-sql grants).
 */
export async function seedWarehouse(db: TestDatabase, role: TestRole, tablesSql: string): Promise<void> {
  await db.query(`
    create schema analytics;
    ${tablesSql}
    grant usage on schema analytics to ${quoteIdent(role.name)};
    grant select on all tables in schema analytics to ${quoteIdent(role.name)};
    grant create, temporary on database ${quoteIdent(db.name)} to ${quoteIdent(role.name)};
  `);
}

/** The small warehouse most end-to-end tests sync from: `analytics.t(id bigint primary key, v text)`, rows 1..`rows`. */
export async function seedAnalyticsTable(db: TestDatabase, role: TestRole, rows: number): Promise<void> {
  await seedWarehouse(
    db,
    role,
    `create table analytics.t (id bigint primary key, v text);
    insert into analytics.t select g, 'v' || g from generate_series(1, ${Math.trunc(rows)}) g;`,
  );
}

/** `analytics.orders(order_id bigint primary key, amount numeric)`, orders 1..`rows` of amount 10 × id. */
export async function seedOrdersTable(db: TestDatabase, role: TestRole, rows: number): Promise<void> {
  await seedWarehouse(
    db,
    role,
    `create table analytics.orders (order_id bigint primary key, amount numeric);
    insert into analytics.orders select g, g * 10 from generate_series(1, ${Math.trunc(rows)}) g;`,
  );
}
