/**
 * Redshift's primary-key checks of many models: up to 200 per round trip (one read-only pipeline), in
 * Redshift's SQL (no FILTER clause), each model getting exactly the result or error its own check gives —
 * including a model query Redshift refuses. Real Postgres behind the Redshift proxy (test/servers/redshift).
 */
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { quoteIdent } from '../../helpers/pg';
import { createRedshiftDatabase, type RedshiftDatabase } from '../../helpers/redshift';

let db: RedshiftDatabase;
let adapter: WarehouseAdapter & { readonly roundTrips: number };

beforeAll(async () => {
  db = await createRedshiftDatabase('redshift_pk');
  const role = await db.createRole();
  await db.query(`create schema marts;
    create table marts.people (id bigint, name varchar(20));
    insert into marts.people values (1, 'a'), (2, 'b'), (3, 'c');
    create table marts.dupes (k varchar(8));
    insert into marts.dupes values ('x'), ('x'), ('y'), (null), (null);
    grant usage on schema marts to ${quoteIdent(role.name)};
    grant select on all tables in schema marts to ${quoteIdent(role.name)};`);
  adapter = (await getDialect('redshift').connect(role.settings)) as typeof adapter;
});

afterAll(async () => {
  await adapter?.close();
  await db?.drop();
});

const requests = [
  { sql: 'select * from marts.people', column: 'id' },
  { sql: 'select * from marts.dupes', column: 'k' },
  { sql: 'select * from marts.people where id < 0', column: 'id' },
];

test('checks of many models go in one round trip per 200, each result its own', async () => {
  const single: unknown[] = [];
  for (const r of requests) single.push(await adapter.checkPrimaryKey(r.sql, r.column));
  expect(single).toEqual([
    { total: 3, distinct: 3, nulls: 0 },
    { total: 5, distinct: 2, nulls: 2 },
    { total: 0, distinct: 0, nulls: 0 },
  ]);
  const before = adapter.roundTrips;
  expect(await adapter.checkPrimaryKeys!(requests)).toEqual(single);
  expect(adapter.roundTrips - before).toBe(1);
  // 450 checks: three batches (one statement each before).
  const many = Array.from({ length: 450 }, (_, i) => requests[i % 3]);
  const start = adapter.roundTrips;
  expect(await adapter.checkPrimaryKeys!(many)).toEqual(many.map((_, i) => single[i % 3]));
  expect(adapter.roundTrips - start).toBe(3);
});

test('a failing check, or a query Redshift refuses, gets its own error; the others their results', async () => {
  const withBad = [
    requests[0],
    { sql: 'select * from marts.dupes', column: 'nope' },
    requests[1],
    { sql: 'select unnest(array[1, 2]) as id from marts.people', column: 'id' },
  ];
  const before = adapter.roundTrips;
  const [good, missing, dup, refused] = await adapter.checkPrimaryKeys!(withBad);
  // The failed batch and its rollback, then the four one at a time (the two failing ones rolled back too).
  expect(adapter.roundTrips - before).toBe(2 + 4 + 2);
  expect(good).toEqual({ total: 3, distinct: 3, nulls: 0 });
  expect(dup).toEqual({ total: 5, distinct: 2, nulls: 2 });
  expect(missing).toBeInstanceOf(UserError);
  expect((missing as Error).message).toBe('checking primary key "nope" failed: column "nope" does not exist');
  expect(refused).toBeInstanceOf(UserError);
  expect((refused as Error).message).toBe('checking primary key "id" failed: function unnest does not exist');
  await expect(adapter.checkPrimaryKey(withBad[1].sql, 'nope')).rejects.toThrow((missing as Error).message);
});
