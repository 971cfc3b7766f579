import { getDialect } from '../../../src/adapters/warehouse/registry';
import {
  relationKey,
  type RelationRef,
  type WarehouseAdapter,
} from '../../../src/adapters/warehouse/warehouse';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';
import { waitFor } from '../../helpers/wait';

let db: TestDatabase;
let adapter: WarehouseAdapter;

const EVIL = '"; drop table victim; --';
const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

beforeAll(async () => {
  db = await createTestDatabase('introspection');
  await db.query(`
    create schema marts;
    create table victim (id int);
    create table marts.users (id bigint primary key, email varchar(255) not null, score numeric(10, 2), tags text[], created_at timestamptz);
    alter table marts.users drop column score;
    create view marts.active_users as select id, email from marts.users;
    create materialized view marts.user_counts as select count(*) as n from marts.users;
    create table marts.events (id int, at date) partition by range (at);
    create foreign data wrapper bf_dummy_fdw;
    create server bf_dummy_server foreign data wrapper bf_dummy_fdw;
    create foreign table marts.remote (x int) server bf_dummy_server;
    create table marts.empty ();
    create sequence marts.counter;
    create schema ${q('Odd Schema "é"')};
    create table ${q('Odd Schema "é"')}.${q('Table with spaces ✓')} (${q('Col "1"')} int, ${q('ünï')} text);
    create table ${q(EVIL)} (${q(EVIL)} int);
  `);
  adapter = await getDialect('postgres').connect(db.settings);
  await adapter.testConnection();
});

afterAll(async () => {
  await adapter.close();
  await db.drop();
});

test('3 relations and 3 queries in one round trip; a broken query costs two more', async () => {
  const relations: RelationRef[] = [
    { schema: 'marts', name: 'users' },
    { schema: 'marts', name: 'active_users' },
    { schema: 'marts', name: 'missing' },
  ];
  const before = adapter.roundTrips;
  const result = await adapter.introspect({
    relations,
    queries: [
      { id: 'a', sql: 'select id, email as mail, created_at::date as day from marts.users' },
      { id: 'broken', sql: 'select nope from marts.users' },
      { id: 'c', sql: "select 1::int as one, 'x'::text as two, now() as three -- trailing comment" },
    ],
  });
  // One read-only round trip; the broken query aborts it, so a rollback and a second round trip follow.
  expect(adapter.roundTrips - before).toBe(3);

  expect(result.relations.get(relationKey(relations[0]))).toEqual([
    { name: 'id', type: 'bigint' },
    { name: 'email', type: 'character varying(255)' },
    { name: 'tags', type: 'text[]' },
    { name: 'created_at', type: 'timestamp with time zone' },
  ]);
  expect(result.relations.get(relationKey(relations[1]))).toEqual([
    { name: 'id', type: 'bigint' },
    { name: 'email', type: 'character varying(255)' },
  ]);
  expect(result.relations.has(relationKey(relations[2]))).toBe(false);

  expect(result.queries.get('a')).toEqual({
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'mail', type: 'character varying(255)' },
      { name: 'day', type: 'date' },
    ],
  });
  expect(result.queries.get('broken')).toEqual({
    error: expect.stringContaining('column "nope" does not exist'),
  });
  expect(result.queries.get('c')).toEqual({
    columns: [
      { name: 'one', type: 'integer' },
      { name: 'two', type: 'text' },
      { name: 'three', type: 'timestamp with time zone' },
    ],
  });

  const again = adapter.roundTrips;
  await adapter.introspect({ relations, queries: [{ id: 'a', sql: 'select 1 as x' }] });
  expect(adapter.roundTrips - again).toBe(1);
});

test('200 relations and 50 queries are still one round trip', async () => {
  const values = Array.from({ length: 200 }, (_, i) => `create table marts.t${i} (id int, v${i} text);`).join(
    '\n',
  );
  await db.query(values);
  const relations = Array.from({ length: 200 }, (_, i) => ({ schema: 'marts', name: `t${i}` }));
  const queries = Array.from({ length: 50 }, (_, i) => ({
    id: `q${i}`,
    sql: `select id, v${i} from marts.t${i}`,
  }));
  const before = adapter.roundTrips;
  const result = await adapter.introspect({ relations, queries });
  expect(adapter.roundTrips - before).toBe(1);
  expect(result.relations.size).toBe(200);
  expect(result.relations.get(relationKey(relations[123]))).toEqual([
    { name: 'id', type: 'integer' },
    { name: 'v123', type: 'text' },
  ]);
  expect(result.queries.get('q49')).toEqual({
    columns: [
      { name: 'id', type: 'integer' },
      { name: 'v49', type: 'text' },
    ],
  });
});

test('every relation kind with columns is found; zero-column tables exist', async () => {
  const refs = ['active_users', 'user_counts', 'events', 'remote', 'empty', 'counter'].map((name) => ({
    schema: 'marts',
    name,
  }));
  const result = await adapter.introspect({ relations: refs, queries: [] });
  const cols = (name: string) => result.relations.get(relationKey({ schema: 'marts', name }));
  expect(cols('user_counts')).toEqual([{ name: 'n', type: 'bigint' }]);
  expect(cols('events')).toEqual([
    { name: 'id', type: 'integer' },
    { name: 'at', type: 'date' },
  ]);
  expect(cols('remote')).toEqual([{ name: 'x', type: 'integer' }]);
  expect(cols('empty')).toEqual([]);
  expect(cols('counter')).toBeUndefined(); // a sequence is not a relation a model reads
});

test('an empty schema means the search path', async () => {
  const ref = { schema: '', name: 'victim' };
  const result = await adapter.introspect({ relations: [ref, { schema: '', name: 'users' }], queries: [] });
  expect(result.relations.get(relationKey(ref))).toEqual([{ name: 'id', type: 'integer' }]);
  expect(result.relations.size).toBe(1); // marts is not on the search path
});

test('names with quotes, spaces, unicode and injection attempts work and do no harm', async () => {
  const odd = { schema: 'Odd Schema "é"', name: 'Table with spaces ✓' };
  const evil = { schema: 'public', name: EVIL };
  const evilSchema = { schema: EVIL, name: EVIL };
  const result = await adapter.introspect({
    relations: [odd, evil, evilSchema],
    queries: [
      { id: EVIL, sql: `select ${q(EVIL)} from ${q(EVIL)}` },
      { id: 'odd', sql: adapter.selectAll(odd) },
      { id: 'quote', sql: "select 'it''s; fine' as \"a;b\", $$x;y$$ as dollar, E'back\\\\slash\\'s' as e" },
    ],
  });
  expect(result.relations.get(relationKey(odd))).toEqual([
    { name: 'Col "1"', type: 'integer' },
    { name: 'ünï', type: 'text' },
  ]);
  expect(result.relations.get(relationKey(evil))).toEqual([{ name: EVIL, type: 'integer' }]);
  expect(result.relations.has(relationKey(evilSchema))).toBe(false);
  expect(result.queries.get(EVIL)).toEqual({ columns: [{ name: EVIL, type: 'integer' }] });
  expect(result.queries.get('odd')).toEqual({
    columns: [
      { name: 'Col "1"', type: 'integer' },
      { name: 'ünï', type: 'text' },
    ],
  });
  expect(result.queries.get('quote')).toEqual({
    columns: [
      { name: 'a;b', type: 'text' },
      { name: 'dollar', type: 'text' },
      { name: 'e', type: 'text' },
    ],
  });
  expect(await db.query("select to_regclass('public.victim') is not null as present")).toEqual([
    { present: true },
  ]);
});

test('a query with a second statement is refused before anything is sent', async () => {
  const before = adapter.roundTrips;
  const result = await adapter.introspect({
    relations: [],
    queries: [{ id: 'two', sql: 'select 1; drop table victim' }],
  });
  expect(adapter.roundTrips).toBe(before);
  expect(result.queries.get('two')).toEqual({ error: expect.stringContaining('single statement') });
  expect(await db.query("select to_regclass('public.victim') is not null as present")).toEqual([
    { present: true },
  ]);
});

test('queries are described, never run, and leave nothing behind', async () => {
  const started = Date.now();
  const result = await adapter.introspect({
    relations: [],
    queries: [
      { id: 'seq', sql: "select nextval('marts.counter') as n" },
      { id: 'slow', sql: 'select 1 as z from pg_sleep(30)' },
      { id: 'write', sql: 'with x as (delete from victim returning *) select * from x' },
    ],
  });
  expect(Date.now() - started).toBeLessThan(5000); // pg_sleep(30) was not run
  expect(result.queries.get('seq')).toEqual({ columns: [{ name: 'n', type: 'bigint' }] });
  expect(result.queries.get('slow')).toEqual({ columns: [{ name: 'z', type: 'integer' }] });
  expect(result.queries.get('write')).toEqual({ error: expect.stringMatching(/data-modifying/) });
  expect(await db.query("select nextval('marts.counter')::int as n")).toEqual([{ n: 1 }]);
  expect(await db.query("select count(*)::int as n from pg_class where relname = 'backflow_probe'")).toEqual([
    { n: 0 },
  ]);
});

test('nothing to introspect costs nothing', async () => {
  const before = adapter.roundTrips;
  const result = await adapter.introspect({ relations: [], queries: [] });
  expect(adapter.roundTrips).toBe(before);
  expect(result.relations.size + result.queries.size).toBe(0);
});

test('without TEMPORARY, relations and SQL models are still described (nothing is created)', async () => {
  const role = await db.createLeastPrivilegedRole();
  await db.query(`grant usage on schema marts to "${role.name}"`);
  const limited = await getDialect('postgres').connect(role.settings);
  try {
    const ref = { schema: 'marts', name: 'users' };
    const result = await limited.introspect({
      relations: [ref],
      queries: [{ id: 'q', sql: 'select 1 as one' }],
    });
    expect(result.relations.get(relationKey(ref))).toHaveLength(4);
    expect(result.queries.get('q')).toEqual({ columns: [{ name: 'one', type: 'integer' }] });
  } finally {
    await limited.close();
  }
});

test('types the driver cannot name are named by the server, once', async () => {
  await db.query(`create type marts.mood as enum ('ok', 'sad'); create domain marts.pct as numeric(5, 2)`);
  const result = await adapter.introspect({
    relations: [],
    queries: [
      {
        id: 'typed',
        sql: "select 'ok'::marts.mood as m, 1.5::marts.pct as p, '1 day'::interval day as d, 'a'::char(3) as c, now()::timestamp(3) as t, array[1.5::numeric(4,1)] as a",
      },
    ],
  });
  expect(result.queries.get('typed')).toEqual({
    columns: [
      { name: 'm', type: 'marts.mood' },
      { name: 'p', type: 'numeric(5,2)' }, // a domain's column is described as its base type
      { name: 'd', type: 'interval day' },
      { name: 'c', type: 'character(3)' },
      { name: 't', type: 'timestamp(3) without time zone' },
      { name: 'a', type: 'numeric(4,1)[]' },
    ],
  });
});

test('after the session is lost, the next call reconnects', async () => {
  const own = await getDialect('postgres').connect(db.settings);
  try {
    await own.introspect({ relations: [], queries: [{ id: 'a', sql: 'select 1 as x' }] });
    await db.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'backflow' and datname = current_database()",
    );
    await waitFor('the terminated session is gone', async () => {
      const rows = await db.query(
        "select count(*)::int as n from pg_stat_activity where application_name = 'backflow' and datname = current_database()",
      );
      return rows[0].n === 0;
    });
    const result = await own.introspect({ relations: [], queries: [{ id: 'a', sql: 'select 1 as x' }] });
    expect(result.queries.get('a')).toEqual({ columns: [{ name: 'x', type: 'integer' }] });
  } finally {
    await own.close();
  }
  // The shared adapter was terminated too: it recovers the same way.
  await expect(adapter.testConnection()).resolves.toMatchObject({ database: db.name });
});
