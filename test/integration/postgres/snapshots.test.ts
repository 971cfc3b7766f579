import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse/warehouse';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';

let db: TestDatabase;
let adapter: WarehouseAdapter;
const SCHEMA = '__segment_reverse_etl';

const tables = async () =>
  (
    await db.query<{ relname: string }>(
      "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind = 'r' order by 1",
      [SCHEMA],
    )
  ).map((r) => r.relname);

beforeAll(async () => {
  db = await createTestDatabase('snapshots');
  adapter = await getDialect('postgres').connect(db.settings);
  await adapter.ensureManagedSchema(SCHEMA);
});

afterAll(async () => {
  await adapter.close();
  await db.drop();
});

test('create, reset and drop are idempotent', async () => {
  await adapter.createSnapshot(SCHEMA, 'active-users');
  await adapter.createSnapshot(SCHEMA, 'active-users');
  expect(await tables()).toEqual(['snapshot_active-users']);

  const columns = await db.query(
    `select column_name, data_type, is_nullable, column_default from information_schema.columns
      where table_schema = $1 and table_name = 'snapshot_active-users' order by ordinal_position`,
    [SCHEMA],
  );
  expect(columns).toEqual([
    { column_name: 'pk', data_type: 'text', is_nullable: 'NO', column_default: null },
    { column_name: 'row_hash', data_type: 'text', is_nullable: 'NO', column_default: null },
    {
      column_name: 'synced_at',
      data_type: 'timestamp with time zone',
      is_nullable: 'NO',
      column_default: 'now()',
    },
  ]);

  await db.query(
    `insert into ${SCHEMA}."snapshot_active-users" (pk, row_hash) values ('1', 'h1'), ('2', 'h2')`,
  );
  await adapter.resetSnapshot(SCHEMA, 'active-users');
  await adapter.resetSnapshot(SCHEMA, 'active-users');
  expect(await db.query(`select count(*)::int as n from ${SCHEMA}."snapshot_active-users"`)).toEqual([
    { n: 0 },
  ]);

  await adapter.dropSnapshot(SCHEMA, 'active-users');
  await adapter.dropSnapshot(SCHEMA, 'active-users');
  expect(await tables()).toEqual([]);
});

test('the primary key refuses a duplicate pk', async () => {
  await adapter.createSnapshot(SCHEMA, 'pk_model');
  await db.query(`insert into ${SCHEMA}."snapshot_pk_model" (pk, row_hash) values ('1', 'a')`);
  await expect(
    db.query(`insert into ${SCHEMA}."snapshot_pk_model" (pk, row_hash) values ('1', 'b')`),
  ).rejects.toThrow(/duplicate key/);
  await adapter.dropSnapshot(SCHEMA, 'pk_model');
});

test('odd and long model names get distinct, harmless tables', async () => {
  const evil = 'x"; drop table victim; --';
  const long = (suffix: string) => `${'a_very_long_model_name_'.repeat(3)}${suffix}`;
  await db.query('create table public.victim (id int)');
  for (const model of [evil, 'ünïcode model', long('one'), long('two')])
    await adapter.createSnapshot(SCHEMA, model);
  const names = await tables();
  expect(names).toHaveLength(4);
  expect(names).toContain(`snapshot_${evil}`);
  expect(names).toContain('snapshot_ünïcode model');
  expect(names.every((n) => Buffer.byteLength(n) <= 63)).toBe(true);
  expect(await db.query("select to_regclass('public.victim') is not null as present")).toEqual([
    { present: true },
  ]);
  for (const model of [evil, 'ünïcode model', long('one'), long('two')])
    await adapter.dropSnapshot(SCHEMA, model);
  expect(await tables()).toEqual([]);
});

test('selectAll quotes schema and name', () => {
  expect(adapter.selectAll({ schema: 'My "Schema"', name: 'a b' })).toBe(
    'select * from "My ""Schema"""."a b"',
  );
  expect(adapter.selectAll({ schema: '', name: 'users' })).toBe('select * from "users"');
});
