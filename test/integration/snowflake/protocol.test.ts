/**
 * The driver paths a real Snowflake account makes snowflake-sdk take, against the protocol-level server:
 * case-sensitive quoted identifiers and Snowflake's "does not exist" errors, long statements answered
 * "in progress" (333334 / 333333) and polled at the result URL, large results in chunks, and an expired
 * session token renewed with the master token (390112). See test/servers/snowflake/README.md.
 */
import type { Connection, SnowflakeError } from 'snowflake-sdk';
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import {
  connectionOptions,
  loadSnowflakeSdk,
} from '../../../src/adapters/warehouse/snowflake/snowflake-driver';
import { readSnowflakeSettings } from '../../../src/adapters/warehouse/snowflake/snowflake-settings';
import { startSnowflakeWorld, type SnowflakeWorld } from '../../helpers/snowflake';

let world: SnowflakeWorld;
let adapter: WarehouseAdapter;
let raw: Connection;

/** A statement through the sdk itself (rows as arrays, as the adapter asks), so the test sees Snowflake's error code and SQL state. */
function exec(sqlText: string): Promise<unknown[]> {
  return new Promise((resolve, reject) =>
    raw.execute({ sqlText, complete: (err, _s, rows) => (err ? reject(err) : resolve(rows ?? [])) }),
  );
}

async function sdkError(sqlText: string): Promise<SnowflakeError> {
  const err = await exec(sqlText).then(
    () => undefined,
    (e: SnowflakeError) => e,
  );
  expect(err).toBeDefined();
  return err!;
}

beforeAll(async () => {
  world = await startSnowflakeWorld();
  await world.server.sql(
    `create table marts.users (id bigint, email varchar);
     insert into marts.users values (1, 'a@x'), (2, 'b@x');
     create table marts."lower_case" (id bigint);
     create table marts.big (n bigint);
     insert into marts.big select range from range(2345);`,
    'ANALYTICS',
  );
  adapter = await getDialect('snowflake').connect(world.settings);
  await adapter.testConnection();
  const sdk = loadSnowflakeSdk();
  raw = sdk.createConnection(connectionOptions(readSnowflakeSettings(world.settings)));
  await new Promise<void>((resolve, reject) => raw.connect((err) => (err ? reject(err) : resolve())));
});

afterAll(async () => {
  await adapter?.close();
  await new Promise<void>((r) => raw.destroy(() => r()));
  await world.server.stop();
});

afterEach(() => {
  world.server.setQueryInProgress(0);
  world.server.setChunkRows(1000);
});

describe('identifiers, as Snowflake resolves them', () => {
  test('unquoted names fold to upper case; quoted names must match the stored case', async () => {
    expect(await exec('select id from analytics.marts.users order by id')).toEqual([[1], [2]]);
    expect(await exec('select count(*) as n from "ANALYTICS"."MARTS"."USERS"')).toEqual([[2]]);
    const err = await sdkError('select * from "ANALYTICS"."MARTS"."users"');
    expect(err.code).toBe('002003');
    expect(err.sqlState).toBe('42S02');
    expect(err.message).toBe(
      `SQL compilation error:\nObject 'ANALYTICS.MARTS."users"' does not exist or not authorized.`,
    );
  });

  test('a quoted lower-case name is its own object, not the upper-case one', async () => {
    expect(await exec('select count(*) as n from marts."lower_case"')).toEqual([[0]]);
    const err = await sdkError('select * from marts.lower_case');
    expect(err.message).toMatch(/Object 'MARTS.LOWER_CASE' does not exist or not authorized/);
  });

  test('an unknown schema or database: 002003 with SQL state 02000', async () => {
    let err = await sdkError('select * from "ANALYTICS"."marts"."USERS"');
    expect([err.code, err.sqlState]).toEqual(['002003', '02000']);
    expect(err.message).toBe(
      `SQL compilation error:\nSchema 'ANALYTICS."marts"' does not exist or not authorized.`,
    );
    err = await sdkError('select * from "analytics".marts.users');
    expect([err.code, err.sqlState]).toEqual(['002003', '02000']);
    expect(err.message).toMatch(/Database '"analytics"' does not exist or not authorized/);
  });

  test('an unknown column: 000904 invalid identifier, at its position', async () => {
    const err = await sdkError('select "id" from marts.users');
    expect([err.code, err.sqlState]).toEqual(['000904', '42000']);
    expect(err.message).toBe(`SQL compilation error: error line 1 at position 7\ninvalid identifier '"id"'`);
  });

  test('INFORMATION_SCHEMA reports names as stored', async () => {
    const rows = await exec(
      `select table_name from information_schema.tables where table_schema = 'MARTS' order by table_name`,
    );
    expect(rows).toEqual([['BIG'], ['USERS'], ['lower_case']]);
  });

  test('the adapter reports a missing relation in Snowflake words', async () => {
    const err = await adapter.preview('select * from marts."users"', 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/Object 'MARTS."users"' does not exist or not authorized/);
  });
});

describe('long statements and large results', () => {
  test('a statement answered "in progress" is polled at its result URL until done', async () => {
    world.server.setQueryInProgress(3);
    const before = world.server.log.resultPolls;
    const result = await adapter.preview('select id, email from marts.users order by id', 10);
    expect(result.rows).toEqual([
      { ID: '1', EMAIL: 'a@x' },
      { ID: '2', EMAIL: 'b@x' },
    ]);
    expect(world.server.log.resultPolls - before).toBe(3);
  });

  test('a failing statement answered "in progress" fails when polled, with its error', async () => {
    world.server.setQueryInProgress(2);
    const err = await sdkError('select * from marts.nope');
    expect(err.code).toBe('002003');
  });

  test('a large result arrives in chunks, downloaded with the key header, rows in order', async () => {
    world.server.setChunkRows(500);
    const before = world.server.log.chunkDownloads;
    const result = await adapter.preview('select n from marts.big order by n', 3000);
    expect(result.rows).toHaveLength(2345);
    expect(result.rows.map((r) => Number(r.N))).toEqual(Array.from({ length: 2345 }, (_, i) => i));
    expect(world.server.log.chunkDownloads - before).toBe(4);
  });

  test('introspection of a whole batch survives both at once', async () => {
    world.server.setQueryInProgress(1);
    world.server.setChunkRows(1);
    const result = await adapter.introspect({
      relations: [
        { schema: 'marts', name: 'users' },
        { schema: 'marts', name: 'lower_case' },
      ],
      queries: [{ id: 'q', sql: 'select id from marts.users' }],
    });
    expect(result.relations.size).toBe(1); // "lower_case" is not LOWER_CASE
    expect(result.queries.get('q')).toEqual({ columns: [{ name: 'ID', type: 'NUMBER(38,0)' }] });
  });
});

test('an expired session token is renewed with the master token, without signing in again', async () => {
  const logins = world.server.log.logins.length;
  const renewals = world.server.log.renewals;
  world.server.expireSessionTokens();
  const result = await adapter.preview('select count(*) as n from marts.users', 1);
  expect(result.rows).toEqual([{ N: '2' }]);
  expect(world.server.log.renewals - renewals).toBe(1);
  expect(world.server.log.logins.length).toBe(logins);
  expect(world.server.log.requests.filter((r) => r.path === '/session/token-request').at(-1)?.body).toEqual({
    requestType: 'RENEW',
    oldSessionToken: expect.any(String),
  });
});
