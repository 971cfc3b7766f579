/**
 * Databricks failures and guarantees beyond the shared suite, with the real @databricks/sql driver over
 * Thrift/HTTPS: certificate verification (the 2.0 driver turns it off; Backflow turns it back on), the IP
 * access list, a wrong HTTP path or catalog, missing Unity Catalog privileges, timeouts, and one HTTP
 * request per statement.
 */
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter, WarehouseSettings } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { startDatabricksWorld, TOKEN, type DatabricksWorld } from '../../helpers/databricks';
import { freePort } from '../../helpers/postgres-server';

let world: DatabricksWorld;
const opened: WarehouseAdapter[] = [];

async function connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
  const adapter = await getDialect('databricks').connect(settings);
  opened.push(adapter);
  return adapter;
}

async function userErrorOf(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const e = err as UserError;
  for (const text of [e.message, e.hint ?? '', String(e.stack)]) expect(text).not.toContain(TOKEN);
  return e;
}

beforeAll(async () => {
  world = await startDatabricksWorld();
  await world.server.sql('create table marts.orders (order_id BIGINT, amount DECIMAL(10,2))');
  await world.server.sql('insert into marts.orders values (42, 12.50)');
});

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
  await world.server.stop();
});

test('a statement is one HTTP request (direct results); introspection is one statement', async () => {
  const adapter = await connect(world.settings);
  await adapter.testConnection();
  const http = world.server.log.httpRequests;
  const trips = adapter.roundTrips;
  await adapter.introspect({
    relations: [{ schema: 'marts', name: 'orders' }],
    queries: Array.from({ length: 20 }, (_, i) => ({
      id: `q${i}`,
      sql: `select order_id from marts.orders where amount > ${i}`,
    })),
  });
  expect(adapter.roundTrips - trips).toBe(1);
  expect(world.server.log.httpRequests - http).toBe(1);
});

// The test warehouse answers Arrow results with native types, as real warehouses do (see protocol.test.ts).
test('preview returns typed columns and values', async () => {
  const adapter = await connect(world.settings);
  const result = await adapter.preview('select * from marts.orders', 5);
  expect(result.columns).toEqual([
    { name: 'order_id', type: 'BIGINT' },
    { name: 'amount', type: 'DECIMAL(10,2)' },
  ]);
  expect(result.rows).toHaveLength(1);
  expect(String(result.rows[0].order_id)).toBe('42');
  expect(Number(result.rows[0].amount)).toBe(12.5);
});

test("the server's certificate is verified: without ca_cert, a self-signed one is refused", async () => {
  const { ca_cert: _ca, ...untrusted } = world.settings;
  const adapter = await connect(untrusted);
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toMatch(/TLS certificate of Databricks at 127\.0\.0\.1:\d+ could not be verified/);
  expect(err.hint).toMatch(/"ca_cert"/);
});

test('an IP access list refusal, a wrong HTTP path and an unknown catalog say what to check', async () => {
  world.server.setIpAccessList('127.0.0.1');
  try {
    const err = await userErrorOf((await connect(world.settings)).testConnection());
    expect(err.message).toMatch(
      /refused the connection \(HTTP 403\): this client's IP may be blocked by the workspace IP access list/,
    );
  } finally {
    world.server.setIpAccessList(null);
  }
  let err = await userErrorOf(
    (await connect({ ...world.settings, http_path: '/sql/1.0/warehouses/nope' })).testConnection(),
  );
  expect(err.message).toMatch(
    /no SQL warehouse at 127\.0\.0\.1:\d+\/sql\/1\.0\/warehouses\/nope \(HTTP 404\)/,
  );
  err = await userErrorOf(
    (await connect({ ...world.settings, catalog: 'no_such_catalog' })).testConnection(),
  );
  expect(err.message).toBe(
    'Databricks catalog "no_such_catalog" does not exist or is not visible to the token\'s principal',
  );
});

test('missing Unity Catalog privileges: USE CATALOG at sign-in, CREATE SCHEMA for the managed schema', async () => {
  world.server.addToken('dapi-nocat-secret', 'nocat@example.com');
  let err = await userErrorOf(
    (await connect({ ...world.settings, token: 'dapi-nocat-secret' })).testConnection(),
  );
  expect(err.hint).toBe('Ask an admin to run: GRANT USE CATALOG ON CATALOG `main` TO `<principal>`;');

  world.server.addToken('dapi-reader-secret', 'reader@example.com');
  await world.server.grant('USE CATALOG', 'reader@example.com', 'main');
  const reader = await connect({ ...world.settings, token: 'dapi-reader-secret' });
  await reader.testConnection();
  expect(await reader.checkGrants('reader_schema')).toEqual({
    schema_exists: false,
    missing_grants: ['GRANT CREATE SCHEMA ON CATALOG `main` TO `reader@example.com`;'],
  });
  err = await userErrorOf(reader.ensureManagedSchema('reader_schema'));
  expect(err.message).toBe('reader@example.com may not create the managed schema `main`.`reader_schema`');
  expect(err.hint).toContain(
    'GRANT USE SCHEMA, CREATE TABLE, SELECT, MODIFY ON SCHEMA `main`.`reader_schema` TO `reader@example.com`;',
  );
});

test('a refused port, and a statement past statement_timeout_ms', async () => {
  const port = await freePort();
  let err = await userErrorOf(
    (await connect({ ...world.settings, port, connect_timeout_ms: 2000 })).testConnection(),
  );
  expect(err.message).toMatch(
    new RegExp(
      `cannot reach Databricks at 127\\.0\\.0\\.1:${port} \\((connection refused|timed out after 2 s)\\)`,
    ),
  );

  const slow = await connect({ ...world.settings, statement_timeout_ms: 1000 });
  err = await userErrorOf(slow.preview('select count(*) as n from range(100000000000) a', 1));
  expect(err.message).toMatch(/^previewing the query was cancelled by Databricks after 1 s/);
});

test('settings are checked before connecting', async () => {
  const dialect = getDialect('databricks');
  await expect(
    dialect.connect({ ...world.settings, host: 'https://dbc-1.cloud.databricks.com' }),
  ).rejects.toThrow(/not a URL/);
  await expect(dialect.connect({ ...world.settings, http_path: 'sql/1.0' })).rejects.toThrow(
    /must start with "\/"/,
  );
  await expect(dialect.connect({ ...world.settings, ca_cert: 'nope' })).rejects.toThrow(
    /not a PEM certificate/,
  );
});
