/**
 * The driver paths a current SQL warehouse makes @databricks/sql take, against the protocol-level server:
 * protocol V8 (Arrow results, direct results), statements RUNNING for a few GetOperationStatus polls,
 * results paged over FetchResults with hasMoreRows, and Unity Catalog errors in their real shape.
 * See test/servers/databricks/README.md.
 */
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter, WarehouseSettings } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { startDatabricksWorld, type DatabricksWorld } from '../../helpers/databricks';

let world: DatabricksWorld;
const opened: WarehouseAdapter[] = [];

async function connect(settings: WarehouseSettings = world.settings): Promise<WarehouseAdapter> {
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
  return err as UserError;
}

const calls = (name: string, since: number) =>
  world.server.log.calls.slice(since).filter((c) => c === name).length;

beforeAll(async () => {
  world = await startDatabricksWorld();
  await world.server.sql(`
    create table marts.events (id BIGINT, amount DECIMAL(14,2), ts TIMESTAMP, day DATE, name STRING);
    insert into marts.events values
      (9007199254740993, 12345678901.25, timestamp '2024-05-06 07:08:09.123', date '2024-05-06', 'a'),
      (2, 0.10, timestamp '1999-12-31 23:59:59', date '1999-12-31', 'b'),
      (3, null, null, null, null),
      (4, 4.00, timestamp '2024-01-01 00:00:00', date '2024-01-01', 'd'),
      (5, 5.00, timestamp '2024-01-01 00:00:00', date '2024-01-01', 'e')`);
});

afterEach(() => {
  world.server.setRunningPolls(0);
  world.server.setPaging(100_000, 10_000);
});

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
  await world.server.stop();
});

test('the driver asks a V8 warehouse for Arrow, cloud fetch and direct results, and reads Arrow exactly', async () => {
  const adapter = await connect();
  const result = await adapter.preview(
    'select id, amount, ts, day, name from marts.events order by id desc',
    10,
  );
  expect(world.server.log.executes.at(-1)).toEqual({
    arrow: true,
    // The driver offers cloud fetch (download links for large results) and then asks no LZ4; results this
    // small come inline in Arrow, as from a real warehouse.
    lz4: false,
    cloudFetch: true,
    runAsync: true,
    maxRows: 100000,
  });
  expect(result.columns).toEqual([
    { name: 'id', type: 'BIGINT' },
    { name: 'amount', type: 'DECIMAL(14,2)' },
    { name: 'ts', type: 'TIMESTAMP' },
    { name: 'day', type: 'DATE' },
    { name: 'name', type: 'STRING' },
  ]);
  const first = result.rows[0];
  expect(String(first.id)).toBe('9007199254740993'); // beyond 2^53: exact only if read as BIGINT
  expect(Number(first.amount)).toBe(12345678901.25);
  expect(first.ts).toBe('2024-05-06T07:08:09.123Z');
  expect(first.day).toBe('2024-05-06');
  expect(result.rows[3]).toEqual({ id: '3', amount: null, ts: null, day: null, name: null });
});

test('a long statement is RUNNING for a few GetOperationStatus polls, then read', async () => {
  world.server.setRunningPolls(3);
  const adapter = await connect();
  await adapter.testConnection();
  const since = world.server.log.calls.length;
  const result = await adapter.preview(
    'select name from marts.events where name is not null order by id',
    10,
  );
  expect(result.rows.map((r) => r.name)).toEqual(['b', 'd', 'e', 'a']);
  // At least the 3 RUNNING answers; the driver may poll again when the machine is slow.
  expect(calls('GetOperationStatus', since)).toBeGreaterThanOrEqual(3);
  expect(calls('GetResultSetMetadata', since)).toBe(1);
  expect(calls('FetchResults', since)).toBe(1);
  expect(world.server.operationCount()).toBe(0); // closed
});

test('results come in pages (hasMoreRows) of several Arrow batches, all read in order', async () => {
  world.server.setPaging(2, 1);
  const adapter = await connect();
  await adapter.testConnection();
  const since = world.server.log.calls.length;
  const result = await adapter.preview('select id from marts.events order by id', 10);
  expect(result.rows.map((r) => String(r.id))).toEqual(['2', '3', '4', '5', '9007199254740993']);
  expect(calls('FetchResults', since)).toBe(2); // pages 2 and 3; page 1 came with the direct results
  expect(world.server.operationCount()).toBe(0);
});

test('a statement failing after RUNNING is reported as a query error, not a connection error', async () => {
  world.server.setRunningPolls(1);
  const adapter = await connect();
  const err = await userErrorOf(adapter.preview('select * from marts.nope', 1));
  expect(err.message).toMatch(
    /^previewing the query failed: \[TABLE_OR_VIEW_NOT_FOUND\] The table or view `marts`.`nope` cannot be found/,
  );
});

describe('Unity Catalog errors', () => {
  test('TABLE_OR_VIEW_NOT_FOUND and UNRESOLVED_COLUMN name what the statement wrote', async () => {
    const adapter = await connect();
    let err = await userErrorOf(adapter.preview('select * from main.marts.missing_table', 1));
    expect(err.message).toContain(
      '[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`marts`.`missing_table` cannot be found. Verify the spelling and correctness of the schema and catalog.',
    );
    expect(err.message).toContain('SQLSTATE: 42P01');
    err = await userErrorOf(adapter.preview('select nope from marts.events', 1));
    expect(err.message).toMatch(
      /\[UNRESOLVED_COLUMN.WITH_SUGGESTION\] A column, variable, or function parameter with name `nope` cannot be resolved. Did you mean one of the following\? \[`\w+`(, `\w+`)*\]. SQLSTATE: 42703/,
    );
  });

  test('PERMISSION_DENIED without USE SCHEMA; INSUFFICIENT_PERMISSIONS without SELECT', async () => {
    world.server.addToken('dapi-outsider-secret', 'outsider@example.com');
    await world.server.grant('USE CATALOG', 'outsider@example.com', 'main');
    const outsider = await connect({ ...world.settings, token: 'dapi-outsider-secret' });
    let err = await userErrorOf(outsider.preview('select id from marts.events', 1));
    expect(err.message).toBe(
      "previewing the query failed: PERMISSION_DENIED: User does not have USE SCHEMA on Schema 'main.marts'. SQLSTATE: 42501",
    );
    expect(err.hint).toMatch(/setup-sql/);
    await world.server.grant('USE SCHEMA', 'outsider@example.com', 'main', 'marts');
    err = await userErrorOf(outsider.preview('select id from marts.events', 1));
    expect(err.message).toBe(
      "previewing the query failed: [INSUFFICIENT_PERMISSIONS] Insufficient privileges:\nUser does not have SELECT on Table 'main.marts.events'. SQLSTATE: 42501",
    );
    await world.server.grant('SELECT', 'outsider@example.com', 'main', 'marts');
    expect((await outsider.preview('select id from marts.events order by id', 1)).rows).toEqual([
      { id: '2' },
    ]);
  });
});
