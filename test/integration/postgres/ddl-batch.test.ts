/**
 * Postgres's DDL of a sync's tracking tables through the driver's batched writes, as Redshift's
 * (src/adapters/warehouse/postgres/postgres-ddl.ts): dropping a sync's tables (on destroy) is one message
 * with its advisory lock, where it was four round trips (begin, lock, drops, commit); the drops of syncs
 * asked for together commit in one transaction; a drop that fails gives that sync its own error while
 * the others' tables are dropped. Real Postgres from the harness.
 */
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';
import { recordSentSql } from '../../helpers/sent-sql';

const SCHEMA = '__backflow';

/** Messages that take an advisory lock: the adapter's DDL (the test's own queries take none). */
const wire = recordSentSql((text) => text.includes('pg_advisory_xact_lock'));
const locked = wire.sent;
let db: TestDatabase;
let adapter: WarehouseAdapter & { readonly roundTrips: number };

beforeAll(async () => {
  db = await createTestDatabase('pg_ddl_batch');
  adapter = (await getDialect('postgres').connect(db.settings)) as typeof adapter;
  await adapter.ensureManagedSchema(SCHEMA);
});

afterAll(async () => {
  wire.restore();
  await adapter?.close();
  await db?.drop();
});

async function tables(names: string[]): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = any($2) and c.relkind = 'r' order by c.relname`,
    [SCHEMA, names],
  );
  return rows.map((r) => r.name);
}

const syncTables = (sync: string) => [`records_${sync}`, `rejections_${sync}`, `plan_${sync}`];

async function withPlanTable(sync: string): Promise<void> {
  await adapter.tracking().ensureTables({ schema: SCHEMA, sync });
  await db.query(`create table ${SCHEMA}.plan_${sync} (__bf_seq bigint primary key)`);
}

test('dropping a sync’s tracking tables is one round trip, its advisory lock and three drops', async () => {
  await withPlanTable('alone');
  expect(await tables(syncTables('alone'))).toHaveLength(3);
  locked.length = 0;
  const before = adapter.roundTrips;
  await adapter.tracking().dropTables({ schema: SCHEMA, sync: 'alone' });
  // begin, the lock, the drops, commit: four round trips before.
  expect(adapter.roundTrips - before).toBe(1);
  expect(await tables(syncTables('alone'))).toEqual([]);
  expect(locked).toHaveLength(1);
  expect(locked[0]).toContain(`hashtextextended('backflow:${SCHEMA}.alone', 0)`);
  expect(locked[0].match(/drop table if exists/g)).toHaveLength(3);
  expect(locked[0]).not.toMatch(/^begin/); // alone: one implicit transaction

  // Dropping again finds nothing to drop and is still one round trip.
  const again = adapter.roundTrips;
  await adapter.tracking().dropTables({ schema: SCHEMA, sync: 'alone' });
  expect(adapter.roundTrips - again).toBe(1);
});

test('the drops of syncs asked for together (an apply destroying them) commit in one transaction', async () => {
  const syncs = ['t1', 't2', 't3', 't4'];
  for (const s of syncs) await withPlanTable(s);
  locked.length = 0;
  const before = adapter.roundTrips;
  await Promise.all(syncs.map((sync) => adapter.tracking().dropTables({ schema: SCHEMA, sync })));
  // One message for four syncs (before: 4 × 4).
  expect(adapter.roundTrips - before).toBe(1);
  expect(await tables(syncs.flatMap(syncTables))).toEqual([]);
  expect(locked).toHaveLength(1);
  expect(locked[0]).toMatch(/^begin;/);
  expect(locked[0]).toMatch(/;\s*commit$/);
  for (const s of syncs) expect(locked[0]).toContain(`'backflow:${SCHEMA}.${s}'`);
});

test('a drop that fails: that sync gets its own error and keeps its tables, the others are dropped', async () => {
  const syncs = ['f1', 'f2', 'f3'];
  for (const s of syncs) await withPlanTable(s);
  // f2's records "table" is a view: `drop table` refuses it, as it would refuse a table it may not drop.
  await db.query(`drop table ${SCHEMA}.records_f2`);
  await db.query(`create view ${SCHEMA}.records_f2 as select 1 as record_id`);
  const before = adapter.roundTrips;
  const results = await Promise.all(
    syncs.map((sync) =>
      adapter
        .tracking()
        .dropTables({ schema: SCHEMA, sync })
        .then(() => 'ok' as const)
        .catch((err: unknown) => err),
    ),
  );
  expect([results[0], results[2]]).toEqual(['ok', 'ok']);
  const err = results[1] as UserError;
  expect(err).toBeInstanceOf(UserError);
  expect(err.message).toBe('dropping the tracking tables of sync "f2" failed: "records_f2" is not a table');
  // The batch of three, its rollback, then each sync's drop on its own (one message each).
  expect(adapter.roundTrips - before).toBe(1 + 1 + 3);
  expect(await tables([...syncTables('f1'), ...syncTables('f3')])).toEqual([]);
  // f2's drop is one transaction: nothing of it happened.
  expect(await tables(syncTables('f2'))).toEqual(['plan_f2', 'rejections_f2']);
  // The session that ran the failed batch is usable again.
  await db.query(`drop view ${SCHEMA}.records_f2`);
  await adapter.tracking().dropTables({ schema: SCHEMA, sync: 'f2' });
  expect(await tables(syncTables('f2'))).toEqual([]);
});
