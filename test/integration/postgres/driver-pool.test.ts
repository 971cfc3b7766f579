/**
 * The Postgres driver's session pool: reads run side by side on several sessions, writes keep the order
 * they were asked in, and batched writes asked for together commit in one transaction — each caller still
 * getting exactly its own result or error.
 */
import * as pg from 'pg';
import { PostgresDriver, MAX_SESSIONS } from '../../../src/adapters/warehouse/postgres/postgres-driver';
import { readPostgresSettings } from '../../../src/adapters/warehouse/postgres/postgres-settings';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';

let db: TestDatabase;
let driver: PostgresDriver;

beforeAll(async () => {
  db = await createTestDatabase('pool');
  await db.query('create schema managed');
});

beforeEach(() => {
  driver = new PostgresDriver(pg, readPostgresSettings(db.settings));
});

afterEach(async () => {
  await driver.close();
});

afterAll(async () => {
  await db.drop();
});

/** A write holding its session until released, so that work asked for meanwhile queues behind it. */
function hold(): { release: () => Promise<void> } {
  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  let done!: () => void;
  const held = driver.exclusive(() => {
    started();
    return new Promise<void>((r) => (done = r));
  });
  return {
    release: async () => {
      await running;
      done();
      await held;
    },
  };
}

const pid = async (): Promise<number> => {
  const { rows } = await driver.read<{ pid: number }>('select pg_backend_pid() as pid, pg_sleep(0.3)');
  return rows[0].pid;
};

test('reads asked for together run on several sessions, never more than MAX_SESSIONS', async () => {
  const pids = await Promise.all(Array.from({ length: MAX_SESSIONS * 2 }, pid));
  const distinct = new Set(pids).size;
  expect(distinct).toBeGreaterThan(1);
  expect(distinct).toBeLessThanOrEqual(MAX_SESSIONS);
});

test('a write waits for every call asked for before it, and a read for every earlier write', async () => {
  const order: string[] = [];
  const work = await Promise.all([
    driver.exclusive(async (s) => {
      await s.query('create table managed.ordered (n int)');
      order.push('create');
    }),
    driver.reading(async (s) => {
      const { rows } = await s.query<{ n: number }>('select count(*)::int as n from managed.ordered');
      order.push('read');
      return rows[0].n;
    }),
    driver.exclusive(async (s) => {
      await s.query('insert into managed.ordered values (1)');
      order.push('insert');
    }),
    driver.reading(async (s) => {
      const { rows } = await s.query<{ n: number }>('select count(*)::int as n from managed.ordered');
      order.push('read');
      return rows[0].n;
    }),
  ]);
  expect(order).toEqual(['create', 'read', 'insert', 'read']);
  expect(work[1]).toBe(0);
  expect(work[3]).toBe(1);
});

test('batched writes asked for together commit in one round trip, in order', async () => {
  const { release } = hold();
  const before = driver.roundTrips;
  const writes = [
    driver.batchedWrite('create table managed.b1 (n int)'),
    driver.batchedWrite('insert into managed.b1 values (1)'),
    driver.batchedWrite('create table managed.b2 (n int)'),
  ];
  await release();
  await Promise.all(writes);
  expect(driver.roundTrips - before).toBe(1);
  const [{ n }] = await db.query<{ n: number }>('select count(*)::int as n from managed.b1');
  expect(n).toBe(1);
  await db.query('select * from managed.b2');
});

test('when a batch fails, each write runs on its own: only the bad one fails, with its own error', async () => {
  const { release } = hold();
  const writes = [
    driver.batchedWrite('create table managed.c1 (n int)'),
    driver.batchedWrite('create table nowhere.c2 (n int)'),
    driver.batchedWrite('create table managed.c3 (n int)'),
  ].map((p) => p.then(() => 'ok').catch((err: Error) => err.message));
  await release();
  expect(await Promise.all(writes)).toEqual(['ok', 'schema "nowhere" does not exist', 'ok']);
  await db.query('select * from managed.c1, managed.c3');
  // The session that ran the failed batch is usable again (its aborted transaction was rolled back).
  const { rows } = await driver.query<{ one: number }>('select 1 as one');
  expect(rows[0].one).toBe(1);
});
