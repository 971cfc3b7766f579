/**
 * Redshift's DDL of snapshot and tracking tables: one message per resource (no advisory lock: the proxy
 * refuses them, as Redshift does), and the writes asked for one after another while earlier work still
 * runs (an apply at --parallelism 10) commit together in one transaction. A batch in which one resource's
 * DDL fails is run again one by one: that resource gets its own error, the others succeed. A snapshot reset
 * (TRUNCATE, which commits the transaction it runs in on Redshift) is never part of a batch.
 * Real Postgres behind the Redshift proxy (test/servers/redshift).
 */
import { Client } from 'pg';
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { quoteIdent, type TestRole } from '../../helpers/pg';
import { createRedshiftDatabase, type RedshiftDatabase } from '../../helpers/redshift';
import { recordSentSql, type SentSql } from '../../helpers/sent-sql';
import { waitFor } from '../../helpers/wait';

const SCHEMA = '__backflow';

let db: RedshiftDatabase;
let role: TestRole;
let adapter: WarehouseAdapter & { readonly roundTrips: number };
let recorded: SentSql | undefined;
/** The messages the adapter (the role) sent. */
let sent: string[] = [];

beforeAll(async () => {
  db = await createRedshiftDatabase('redshift_ddl');
  role = await db.createRole();
  await db.query(`grant create on database ${quoteIdent(db.name)} to ${quoteIdent(role.name)}`);
  recorded = recordSentSql((_text, user) => user === role.name);
  sent = recorded.sent;
  adapter = (await getDialect('redshift').connect(role.settings)) as typeof adapter;
  await adapter.ensureManagedSchema(SCHEMA);
  await adapter.createSnapshot(SCHEMA, 'gate');
});

afterAll(async () => {
  recorded?.restore();
  await adapter?.close();
  await db?.drop();
});

/**
 * Earlier work still running: a snapshot reset (TRUNCATE) that waits for a lock another session holds on
 * the gate table, until `release`. Everything the adapter is asked for meanwhile queues behind it.
 */
async function blockedReset(): Promise<{ release: () => Promise<void> }> {
  const blocker = new Client(db.settings as never);
  await blocker.connect();
  await blocker.query(`begin; lock table ${SCHEMA}.snapshot_gate in access share mode`);
  const reset = adapter.resetSnapshot(SCHEMA, 'gate');
  await waitFor(
    'the reset waits for its lock',
    async () =>
      (
        await db.postgres<{ n: number }>(
          `select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
            where not l.granted and d.datname = current_database()`,
        )
      )[0].n > 0,
  );
  return {
    release: async () => {
      await blocker.query('commit');
      await blocker.end();
      await reset;
    },
  };
}

async function tables(names: string[]): Promise<{ name: string; xid: string }[]> {
  return db.postgres<{ name: string; xid: string }>(
    `select c.relname as name, c.xmin::text as xid from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = any($2) order by c.relname`,
    [SCHEMA, names],
  );
}

test('alone, a sync’s tracking tables and a snapshot table are one round trip each; dropping them too', async () => {
  const tracking = adapter.tracking();
  let before = adapter.roundTrips;
  await tracking.ensureTables({ schema: SCHEMA, sync: 'alone' });
  // Three `create table if not exists` (ledger, records, rejections): three round trips before.
  expect(adapter.roundTrips - before).toBe(1);
  expect((await tables(['records_alone', 'rejections_alone', 'backflow_runs'])).length).toBe(3);

  before = adapter.roundTrips;
  await adapter.createSnapshot(SCHEMA, 'alone');
  expect(adapter.roundTrips - before).toBe(1);

  before = adapter.roundTrips;
  await tracking.dropTables({ schema: SCHEMA, sync: 'alone' });
  // Five `drop table if exists` (records, rejections, plan, stage, batch) before.
  expect(adapter.roundTrips - before).toBe(1);
  expect(await tables(['records_alone', 'rejections_alone'])).toEqual([]);
});

test('DDL asked for while earlier work runs commits in one transaction, one round trip', async () => {
  const tracking = adapter.tracking();
  const before = adapter.roundTrips;
  const { release } = await blockedReset();
  const models = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
  const syncs = ['s1', 's2', 's3', 's4'];
  const work = [
    ...models.map((m) => adapter.createSnapshot(SCHEMA, m)),
    ...syncs.map((s) => tracking.ensureTables({ schema: SCHEMA, sync: s })),
  ];
  await release();
  await Promise.all(work);
  // The reset, then one message for 6 snapshot tables and 4 syncs' tracking tables (before: 6 + 4 × 3).
  expect(adapter.roundTrips - before).toBe(2);
  const created = await tables([
    ...models.map((m) => `snapshot_${m}`),
    ...syncs.flatMap((s) => [`records_${s}`, `rejections_${s}`]),
  ]);
  expect(created.length).toBe(models.length + syncs.length * 2);
  // One transaction made them all.
  expect(new Set(created.map((t) => t.xid)).size).toBe(1);
  const batch = sent.filter((text) => text.startsWith('begin;') && text.includes('snapshot_m1'));
  expect(batch.length).toBe(1);
  expect(batch[0]).toMatch(/;\s*commit$/);
});

test('a batch in which one resource’s DDL fails: that one gets its own error, the others are created', async () => {
  const tracking = adapter.tracking();
  const before = adapter.roundTrips;
  const { release } = await blockedReset();
  const work = [
    adapter.createSnapshot(SCHEMA, 'f1'),
    adapter.createSnapshot('nowhere', 'f2'),
    tracking.ensureTables({ schema: SCHEMA, sync: 'f3' }),
    adapter.createSnapshot(SCHEMA, 'f4'),
    tracking.ensureTables({ schema: SCHEMA, sync: 'f5' }),
  ].map((p) => p.then(() => 'ok' as const).catch((err: unknown) => err));
  await release();
  const results = await Promise.all(work);
  expect(results.filter((_, k) => k !== 1)).toEqual(['ok', 'ok', 'ok', 'ok']);
  const err = results[1] as UserError;
  expect(err).toBeInstanceOf(UserError);
  expect(err.message).toBe(
    'creating the snapshot table of model "f2" failed: schema "nowhere" does not exist',
  );
  // The reset, the batch of all five, its rollback, then each of the five on its own (one message each).
  expect(adapter.roundTrips - before).toBe(1 + 1 + 1 + 5);
  expect(sent.filter((text) => text.startsWith('begin;') && text.includes('"nowhere"')).length).toBe(1);
  const created = await tables([
    'snapshot_f1',
    'records_f3',
    'rejections_f3',
    'snapshot_f4',
    'records_f5',
    'rejections_f5',
  ]);
  expect(created.map((t) => t.name)).toEqual([
    'records_f3',
    'records_f5',
    'rejections_f3',
    'rejections_f5',
    'snapshot_f1',
    'snapshot_f4',
  ]);
  // Each on its own: four transactions for the four that succeeded.
  expect(new Set(created.map((t) => t.xid)).size).toBe(4);
  // The session that ran the failed batch is usable again.
  await adapter.createSnapshot(SCHEMA, 'f6');
  expect((await tables(['snapshot_f6'])).length).toBe(1);
});

test('nothing Redshift lacks was sent: no advisory lock, and no TRUNCATE inside a transaction', async () => {
  // The proxy refuses advisory locks as Redshift does, so a statement taking one could not have passed.
  await expect(db.query('select pg_advisory_xact_lock(1)')).rejects.toMatchObject({
    code: '42883',
    message: 'function pg_advisory_xact_lock does not exist',
  });
  expect(sent.length).toBeGreaterThan(10);
  // Redshift has no advisory locks and no indexes (the proxy would refuse the former).
  expect(sent.filter((text) => /pg_advisory|create\s+index/i.test(text))).toEqual([]);
  const truncates = sent.filter((text) => /\btruncate\b/i.test(text));
  expect(truncates.length).toBeGreaterThan(0);
  for (const text of truncates) expect(text).toMatch(/^truncate table \S+$/);
});
