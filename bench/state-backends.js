#!/usr/bin/env node
'use strict';
/**
 * State backends side by side, pg vs local, in one run:
 *
 *   1. lock acquire + release per second (pg: a new dedicated session per lock, pg_try_advisory_lock, the
 *      lock row written and removed; local: the lock file created exclusively, fsynced, removed);
 *   2. whole-state writes per second, for states of 100 and 1,000 resources (pg: one transaction inserting
 *      a new version and clearing the journal; local: temp file, fsync, rename, backup link);
 *   3. 10,000 journaled actions (creates through SyncState, as apply records them) on a growing workspace:
 *      payload bytes per action in the first 1,000 vs the last 1,000, which must stay flat; for pg also the
 *      WAL bytes Postgres wrote per action, and appends per second in both windows.
 *
 * Both are durable: the local backend fsyncs every append; the pg cluster (throw-away, started here) runs
 * with fsync=on and synchronous_commit=on, and the backend commits every append synchronously anyway.
 *
 * Sizes: BENCH_STATE_APPENDS (default 10000), BENCH_LOCK_ROUNDS (default 200), BENCH_STATE_WRITES
 * (default 30 per size).
 */
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const path = require('node:path');
const { setTimeout: sleep } = require('node:timers/promises');
const { Client } = require('pg');
const L = require('./lib');
const { startPostgres } = require('../test/helpers/postgres-server');

const APPENDS = Number(process.env.BENCH_STATE_APPENDS || 10000);
const LOCK_ROUNDS = Number(process.env.BENCH_LOCK_ROUNDS || 200);
const WRITES = Number(process.env.BENCH_STATE_WRITES || 30);
const WINDOW = Math.min(1000, Math.floor(APPENDS / 2));

const { LocalBackend } = L.dist('state/local-backend');
const { PgBackend } = L.dist('state/pg-backend');
const { SyncState } = L.dist('state/sync-state');
const { newState } = L.dist('state/state');
const { journalHeaderLine } = L.dist('state/journal');

function model(i) {
  const name = `m${L.pad(i, 5)}`;
  return {
    type: 'model',
    name,
    attributes: {
      source: 'warehouse',
      // Fixed-width numbers: every action's payload has the same size, so any growth would be the backend's.
      name: `Model ${L.pad(i, 5)}`,
      description: `Orders above ${L.pad(i, 5)}`,
      query: `select order_id, customer_id, amount from analytics.orders where amount > ${L.pad(i, 5)}`,
      primary_key: 'order_id',
      enabled: true,
    },
    computed: {
      sql_hash: `sha256:${String(i).padStart(64, '0')}`,
      columns: [
        { name: 'order_id', type: 'bigint' },
        { name: 'customer_id', type: 'bigint' },
        { name: 'amount', type: 'numeric' },
      ],
    },
    dependencies: ['source.warehouse'],
  };
}

function stateOf(count, serial = 1, base = newState()) {
  const resources = {};
  for (let i = 0; i < count; i++) {
    const r = model(i);
    resources[`model.${r.name}`] = r;
  }
  return { ...base, serial, resources };
}

async function lockRate(open) {
  const b = open();
  try {
    await (await b.lock('bench')).release(); // warm: tables, connection
    const t0 = L.now();
    for (let i = 0; i < LOCK_ROUNDS; i++) await (await b.lock('bench')).release();
    return LOCK_ROUNDS / L.secondsSince(t0);
  } finally {
    await b.close();
  }
}

async function writeRate(open, size) {
  const b = open();
  try {
    const base = stateOf(size, 1);
    await b.write(base);
    const before = b.bytesWritten.state;
    const t0 = L.now();
    for (let i = 0; i < WRITES; i++) await b.write({ ...base, serial: 2 + i });
    const seconds = L.secondsSince(t0);
    return { perSecond: WRITES / seconds, bytesPerSecond: (b.bytesWritten.state - before) / seconds };
  } finally {
    await b.close();
  }
}

/** APPENDS creates journaled one by one on a workspace that grows from 0 to APPENDS resources. */
async function journal(open, wal) {
  const b = open();
  try {
    const state = newState();
    const sync = new SyncState(state, b);
    const windows = { first: { bytes: 0, seconds: 0, wal: 0 }, last: { bytes: 0, seconds: 0, wal: 0 } };
    let header = 0;
    for (let i = 0; i < APPENDS; i++) {
      const window = i < WINDOW ? windows.first : i >= APPENDS - WINDOW ? windows.last : undefined;
      const startWal = window !== undefined && (i === 0 || i === APPENDS - WINDOW) ? await wal() : undefined;
      if (startWal !== undefined) window.walStart = startWal;
      const r = model(i);
      const before = b.bytesWritten.journal;
      const t0 = L.now();
      await sync.put(`model.${r.name}`, r);
      const seconds = L.secondsSince(t0);
      let bytes = b.bytesWritten.journal - before;
      if (i === 0) {
        // The first append also records the journal's header (once per apply): counted apart.
        header = Buffer.byteLength(journalHeaderLine(state), 'utf8');
        bytes -= header;
      }
      if (window !== undefined) {
        window.bytes += bytes;
        window.seconds += seconds;
        if (i === WINDOW - 1 || i === APPENDS - 1) window.wal = (await wal()) - window.walStart;
      }
    }
    await sync.flush();
    const final = sync.close();
    await b.write({ ...final, serial: 1 });
    return { windows, header, finalStateBytes: b.bytesWritten.state };
  } finally {
    await b.close();
  }
}

async function main() {
  L.heading(`state-backends: pg vs local — locks, state writes, ${L.fmtInt(APPENDS)} journaled actions`);
  const server = await startPostgres();
  L.onCleanup(() => server.stop());
  const admin = new Client({ connectionString: server.url });
  await admin.connect();
  L.onCleanup(() => admin.end());
  for (const sql of [
    'alter system set fsync = on',
    'alter system set synchronous_commit = on',
    'alter system set full_page_writes = on',
  ])
    await admin.query(sql);
  await admin.query('select pg_reload_conf()');
  await sleep(200);
  const settings = await admin.query(
    "select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes') order by name",
  );
  console.log(
    `Postgres: ${server.version}; ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(', ')}`,
  );

  let n = 0;
  const pg = () =>
    new PgBackend({ connection_string: server.url, schema: 'backflow', workspace: `bench${++n}` });
  const localRoot = L.tempDir('state');
  const local = () => new LocalBackend({ path: path.join(localRoot, `ws${++n}`, 'state.json') });
  const wal = async () => {
    const r = await admin.query("select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint as b");
    return Number(r.rows[0].b);
  };
  const noWal = async () => 0;

  // 1. locks
  const lockPg = await lockRate(pg);
  const lockLocal = await lockRate(local);
  L.heading(`1. lock acquire + release, ${LOCK_ROUNDS} rounds each`);
  L.table(
    ['backend', 'locks/s', 'ms per lock'],
    [
      ['pg', lockPg.toFixed(0), (1000 / lockPg).toFixed(2)],
      ['local', lockLocal.toFixed(0), (1000 / lockLocal).toFixed(2)],
    ],
  );
  console.log(`local/pg: ${L.fmtRatio(lockLocal / lockPg)}`);

  // 2. state writes
  L.heading(`2. whole-state writes, ${WRITES} per size`);
  const writes = [];
  for (const size of [100, 1000]) {
    const p = await writeRate(pg, size);
    const l = await writeRate(local, size);
    writes.push({ size, p, l });
  }
  L.table(
    ['resources', 'pg writes/s', 'pg MiB/s', 'local writes/s', 'local MiB/s', 'local/pg'],
    writes.map(({ size, p, l }) => [
      L.fmtInt(size),
      p.perSecond.toFixed(1),
      (p.bytesPerSecond / 1048576).toFixed(2),
      l.perSecond.toFixed(1),
      (l.bytesPerSecond / 1048576).toFixed(2),
      L.fmtRatio(l.perSecond / p.perSecond),
    ]),
  );

  // 3. journal
  L.heading(
    `3. ${L.fmtInt(APPENDS)} journaled creates, first ${L.fmtInt(WINDOW)} vs last ${L.fmtInt(WINDOW)}`,
  );
  const jp = await journal(pg, wal);
  const jl = await journal(local, noWal);
  const per = (w, key) => w[key] / WINDOW;
  const rows = [
    ['pg', jp],
    ['local', jl],
  ].map(([name, j]) => [
    name,
    per(j.windows.first, 'bytes').toFixed(1),
    per(j.windows.last, 'bytes').toFixed(1),
    L.fmtRatio(per(j.windows.last, 'bytes') / per(j.windows.first, 'bytes')),
    name === 'pg' ? per(j.windows.first, 'wal').toFixed(0) : '-',
    name === 'pg' ? per(j.windows.last, 'wal').toFixed(0) : '-',
    (WINDOW / j.windows.first.seconds).toFixed(0),
    (WINDOW / j.windows.last.seconds).toFixed(0),
    L.fmtBytes(j.finalStateBytes),
  ]);
  L.table(
    [
      'backend',
      'B/action first',
      'B/action last',
      'last/first',
      'WAL B/action first',
      'WAL B/action last',
      'appends/s first',
      'appends/s last',
      'final state',
    ],
    rows,
  );
  const walRatio = per(jp.windows.last, 'wal') / per(jp.windows.first, 'wal');
  console.log(
    `pg WAL per action last/first: ${L.fmtRatio(walRatio)}; journal header (once per apply): pg ${jp.header} B, local ${jl.header} B`,
  );
  console.log(
    `Rewriting the whole state per action instead would write ~${L.fmtBytes(jl.finalStateBytes / 2)} per action on average ` +
      `(${L.fmtInt(jl.finalStateBytes / 2 / per(jl.windows.last, 'bytes'))}x the journal line).`,
  );

  const appendsRatio = (j) => WINDOW / j.windows.last.seconds / (WINDOW / j.windows.first.seconds);
  L.summary('state-backends', [
    ['locks/s pg', lockPg.toFixed(0)],
    ['locks/s local', lockLocal.toFixed(0)],
    ['locks local/pg', L.fmtRatio(lockLocal / lockPg)],
    ...writes.flatMap(({ size, p, l }) => [
      [`state writes/s pg (${L.fmtInt(size)} resources)`, p.perSecond.toFixed(1)],
      [`state writes/s local (${L.fmtInt(size)} resources)`, l.perSecond.toFixed(1)],
      [`state writes local/pg (${L.fmtInt(size)} resources)`, L.fmtRatio(l.perSecond / p.perSecond)],
    ]),
    [
      'journal B/action last/first pg',
      L.fmtRatio(per(jp.windows.last, 'bytes') / per(jp.windows.first, 'bytes')),
    ],
    [
      'journal B/action last/first local',
      L.fmtRatio(per(jl.windows.last, 'bytes') / per(jl.windows.first, 'bytes')),
    ],
    ['journal WAL B/action last/first pg', L.fmtRatio(walRatio)],
    ['journal B/action pg (last window)', per(jp.windows.last, 'bytes').toFixed(1)],
    ['journal B/action local (last window)', per(jl.windows.last, 'bytes').toFixed(1)],
    ['journal WAL B/action pg (last window)', per(jp.windows.last, 'wal').toFixed(0)],
    ['appends/s last/first pg', L.fmtRatio(appendsRatio(jp))],
    ['appends/s last/first local', L.fmtRatio(appendsRatio(jl))],
    ['appends/s local/pg (last window)', L.fmtRatio(jp.windows.last.seconds / jl.windows.last.seconds)],
  ]);
  fs.rmSync(localRoot, { recursive: true, force: true });
}

L.runMain('state-backends', main);
