import { UserError } from '../../../src/errors';
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse/warehouse';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';

let db: TestDatabase;
let adapter: WarehouseAdapter;

beforeAll(async () => {
  db = await createTestDatabase('preview');
  await db.query(`
    create type mood as enum ('happy', 'sad');
    create table people (
      id bigint, "Full ""Name""" text, balance numeric(20, 2), born date, seen timestamptz, local_ts timestamp,
      ratio double precision, flags jsonb, feeling mood, big_id bigint
    );
    insert into people values
      (1, 'Ann', 12345678901234567.89, '1990-05-17', '2024-01-02 03:04:05.678+00', '2024-01-02 03:04:05.678', 0.5, '{"a": [1, 2]}', 'happy', 9007199254740993),
      (2, 'Bob', null, null, null, null, 'NaN', null, 'sad', null),
      (3, 'Cy', 0, '2000-01-01', '2000-01-01 00:00:00+05', null, 1, '[]', null, 3);
    create table dupes (k int);
    insert into dupes values (1), (1), (2), (null), (null);
    create sequence s;
  `);
  adapter = await getDialect('postgres').connect(db.settings);
});

afterAll(async () => {
  await adapter.close();
  await db.drop();
});

test('preview returns at most limit rows with typed columns and JSON-safe values', async () => {
  const result = await adapter.preview('select * from people order by id', 2);
  expect(result.columns).toEqual([
    { name: 'id', type: 'bigint' },
    { name: 'Full "Name"', type: 'text' },
    { name: 'balance', type: 'numeric' },
    { name: 'born', type: 'date' },
    { name: 'seen', type: 'timestamp with time zone' },
    { name: 'local_ts', type: 'timestamp without time zone' },
    { name: 'ratio', type: 'double precision' },
    { name: 'flags', type: 'jsonb' },
    { name: 'feeling', type: 'mood' },
    { name: 'big_id', type: 'bigint' },
  ]);
  expect(result.rows).toEqual([
    {
      id: '1',
      'Full "Name"': 'Ann',
      balance: '12345678901234567.89',
      born: '1990-05-17',
      seen: '2024-01-02T03:04:05.678Z',
      local_ts: '2024-01-02T03:04:05.678',
      ratio: 0.5,
      flags: { a: [1, 2] },
      feeling: 'happy',
      big_id: '9007199254740993',
    },
    {
      id: '2',
      'Full "Name"': 'Bob',
      balance: null,
      born: null,
      seen: null,
      local_ts: null,
      ratio: 'NaN',
      flags: null,
      feeling: 'sad',
      big_id: null,
    },
  ]);
  expect(JSON.parse(JSON.stringify(result.rows))).toEqual(result.rows);
  const third = await adapter.preview('select seen from people where id = 3', 10);
  expect(third.rows).toEqual([{ seen: '1999-12-31T19:00:00.000Z' }]);
});

test('preview limit 0 gives columns and no rows; a trailing comment or semicolon is fine', async () => {
  const result = await adapter.preview('select id from people -- all of them\n;', 0);
  expect(result).toEqual({ columns: [{ name: 'id', type: 'bigint' }], rows: [] });
});

test('preview runs read-only and leaves the session usable after an error', async () => {
  await expect(adapter.preview("select nextval('s')", 1)).rejects.toThrow(/read-only transaction/);
  await expect(
    adapter.preview('with d as (delete from people returning *) select * from d', 5),
  ).rejects.toThrow(UserError);
  expect(await db.query('select count(*)::int as n from people')).toEqual([{ n: 3 }]);
  await expect(adapter.preview('select nope from people', 1)).rejects.toThrow(
    /previewing the query failed: column "nope" does not exist/,
  );
  expect((await adapter.preview('select 1 as ok', 1)).rows).toEqual([{ ok: 1 }]);
});

test('preview refuses a second statement before sending anything', async () => {
  const before = adapter.roundTrips;
  await expect(adapter.preview('select 1; drop table people', 1)).rejects.toThrow(/single statement/);
  expect(adapter.roundTrips).toBe(before);
});

test('primary key check: unique, duplicated, null', async () => {
  expect(await adapter.checkPrimaryKey('select * from people', 'id')).toEqual({
    total: 3,
    distinct: 3,
    nulls: 0,
  });
  expect(await adapter.checkPrimaryKey('select * from dupes', 'k')).toEqual({
    total: 5,
    distinct: 2,
    nulls: 2,
  });
  expect(await adapter.checkPrimaryKey('select * from people', 'Full "Name"')).toEqual({
    total: 3,
    distinct: 3,
    nulls: 0,
  });
  expect(await adapter.checkPrimaryKey('select * from people where false', 'id')).toEqual({
    total: 0,
    distinct: 0,
    nulls: 0,
  });
});

test('primary key check is one query and names a missing column', async () => {
  const before = adapter.roundTrips;
  await adapter.checkPrimaryKey('select * from dupes', 'k');
  expect(adapter.roundTrips - before).toBe(1);
  await expect(adapter.checkPrimaryKey('select * from dupes', 'id"; drop table dupes; --')).rejects.toThrow(
    /column "id"; drop table dupes; --" does not exist/,
  );
  expect(await db.query('select count(*)::int as n from dupes')).toEqual([{ n: 5 }]);
});

test('batched primary key checks: one round trip per batch, the same result or error as one by one', async () => {
  const requests = [
    { sql: 'select * from people', column: 'id' },
    { sql: 'select * from dupes', column: 'k' },
    { sql: 'select * from people where false', column: 'id' },
  ];
  const before = adapter.roundTrips;
  const batched = await adapter.checkPrimaryKeys!(requests);
  expect(adapter.roundTrips - before).toBe(1);
  expect(batched).toEqual([
    { total: 3, distinct: 3, nulls: 0 },
    { total: 5, distinct: 2, nulls: 2 },
    { total: 0, distinct: 0, nulls: 0 },
  ]);
  // 450 checks: three batches; each result matches its own single check.
  const many = Array.from({ length: 450 }, (_, i) => requests[i % 3]);
  const start = adapter.roundTrips;
  const results = await adapter.checkPrimaryKeys!(many);
  expect(adapter.roundTrips - start).toBe(3);
  expect(results).toEqual(many.map((_, i) => batched[i % 3]));

  // A failing check: its batch is retried one by one, so only that model gets the error.
  const withBad = [requests[0], { sql: 'select * from dupes', column: 'nope' }, requests[1]];
  const [good, bad, dup] = await adapter.checkPrimaryKeys!(withBad);
  expect(good).toEqual(batched[0]);
  expect(dup).toEqual(batched[1]);
  expect(bad).toBeInstanceOf(Error);
  expect((bad as Error).message).toMatch(/column "nope" does not exist/);
  await expect(adapter.checkPrimaryKey('select * from dupes', 'nope')).rejects.toThrow(
    (bad as Error).message,
  );
});

test('statement_timeout_ms bounds a slow query', async () => {
  const impatient = await getDialect('postgres').connect({ ...db.settings, statement_timeout_ms: 200 });
  try {
    const started = Date.now();
    await expect(impatient.preview('select pg_sleep(5) is null as slept', 1)).rejects.toThrow(
      /previewing the query was cancelled: canceling statement due to statement timeout/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    const [{ application_name }] = await db.query<{ application_name: string }>(
      "select application_name from pg_stat_activity where datname = current_database() and application_name = 'backflow' limit 1",
    );
    expect(application_name).toBe('backflow');
  } finally {
    await impatient.close();
  }
});

test('parallel calls on one adapter never run inside a preview transaction', async () => {
  await adapter.ensureManagedSchema('managed');
  const work = await Promise.all([
    adapter.preview('select id from people order by id', 1),
    adapter.createSnapshot('managed', 'parallel'),
    adapter.preview('select id from people order by id desc', 1),
    adapter.checkPrimaryKey('select * from people', 'id'),
    adapter.resetSnapshot('managed', 'parallel'),
  ]);
  expect(work[0]).toMatchObject({ rows: [{ id: '1' }] });
  expect(work[2]).toMatchObject({ rows: [{ id: '3' }] });
  expect(work[3]).toEqual({ total: 3, distinct: 3, nulls: 0 });
  await adapter.dropSnapshot('managed', 'parallel');
});
