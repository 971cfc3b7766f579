#!/usr/bin/env node
'use strict';
/**
 * The data plane on Postgres, measured side by side in one run:
 *
 * 1. Planning (the diff, in the warehouse) of 100k and 1M rows with 1% changed, against the floor: the
 *    warehouse's own `select count(*)` of the model.
 * 2. Peak memory of the Node process running the sync: must stay flat from 100k to 1M rows (rows stream
 *    from the plan table in pages; nothing holds the model).
 * 3. Delivery throughput of a first run (every row added) against a loopback webhook receiver, beside the
 *    receiver's own maximum (a load generator posting the same batches with the same concurrency).
 * 4. A second run with nothing changed: its time and the rows it sends (0).
 *
 * Each run happens in a fresh child process so its peak RSS is its own. No assertions: numbers only.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');
const { Client } = require('pg');
const lib = require('./lib');

const SIZES = (process.env.BENCH_RUN_SIZES ?? '100000,1000000').split(',').map(Number);
const BATCH = 500;
const IN_FLIGHT = 4;

// ------------------------------------------------------------------------------------------ child mode

async function child(spec) {
  const { runSync } = lib.dist('runs/index');
  const { LocalRunLocks } = lib.dist('runs/run-lock');
  const t0 = lib.now();
  let plannedAt = 0;
  const result = await runSync({
    state: spec.state,
    sync: 'big',
    configDir: spec.dir,
    locks: new LocalRunLocks(spec.dir),
    trigger: 'bench',
    events: { onPlanned: () => (plannedAt = lib.secondsSince(t0)) },
  });
  const total = lib.secondsSince(t0);
  process.stdout.write(
    JSON.stringify({
      status: result.run.status,
      planned: result.run.planned,
      accepted: result.run.accepted,
      planSeconds: plannedAt,
      deliverSeconds: total - plannedAt,
      totalSeconds: total,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    }) + '\n',
  );
}

if (process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
  return;
}

// ------------------------------------------------------------------------------------------ parent

function runChild(spec) {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [path.join(__dirname, 'sync-runs.js'), '--child', JSON.stringify(spec)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, BENCH_PG_PASSWORD: spec.password },
      },
    );
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()))
        : reject(new Error(`child exited ${code}`)),
    );
  });
}

function startReceiver() {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(__dirname, 'receiver.js')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    lib.onCleanup(() => p.kill('SIGTERM'));
    p.stdout.once('data', (d) => resolve({ url: d.toString().trim(), process: p }));
    p.on('error', reject);
  });
}

async function stats(url) {
  const r = await globalThis.fetch(url.replace(/\/hook$/, '/stats'));
  return r.json();
}

/** The receiver's own maximum: the same batch bodies, posted by IN_FLIGHT loops, as fast as it answers. */
async function receiverMax(url, records) {
  const body = JSON.stringify({
    sync: 'big',
    run_id: 'bench',
    records: Array.from({ length: BATCH }, (_, i) => ({
      id: `k${i}`.padEnd(40, '0'),
      record_id: String(i),
      op: 'upsert',
      fields: { id: i, email: `user${i}@example.com`, score: i % 1000, note: `note ${i}` },
    })),
  });
  const batches = Math.ceil(records / BATCH);
  let next = 0;
  const t0 = lib.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < batches) {
        next += 1;
        const r = await globalThis.fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await r.text();
      }
    }),
  );
  return records / lib.secondsSince(t0);
}

function state(settings, url, table) {
  const res = (type, name, attributes, computed = {}) => ({
    type,
    name,
    attributes,
    computed,
    dependencies: [],
  });
  const query = `select id, email, score, note from public.${table}`;
  return {
    format_version: 1,
    backflow_version: 'bench',
    lineage: 'bench',
    serial: 1,
    salt: 'ab'.repeat(32),
    resources: {
      'source.w': res('source', 'w', {
        warehouse: 'postgres',
        settings: {
          ...settings,
          sslmode: 'disable',
          password: { $sensitive: { ref: { env: 'BENCH_PG_PASSWORD' }, fingerprint: '' } },
        },
        managed_schema: `bf_${table}`,
      }),
      'model.m': res(
        'model',
        'm',
        { source: 'w', query, primary_key: 'id', enabled: true },
        {
          effective_sql: query,
          columns: ['id', 'email', 'score', 'note'].map((name) => ({ name, type: 'text' })),
        },
      ),
      'destination.hook': res('destination', 'hook', {
        type: 'webhook',
        url,
        headers: {},
        batch_size: BATCH,
        max_in_flight: IN_FLIGHT,
      }),
      'sync.big': res('sync', 'big', {
        model: 'm',
        destination: 'hook',
        enabled: true,
        mode: 'upsert',
        mapping: {},
      }),
    },
  };
}

async function main() {
  lib.heading('Sync runs on Postgres: planning vs count(*), memory, delivery vs the receiver, idle run');
  const wh = await lib.startWarehouse({ rows: 10 });
  const receiver = await startReceiver();
  const admin = new Client({
    host: wh.settings.host,
    port: wh.settings.port,
    user: wh.pg.user,
    database: wh.settings.database,
  });
  await admin.connect();
  lib.onCleanup(() => admin.end());
  const rows = [];
  const metrics = [];
  for (const n of SIZES) {
    const table = `users_${n}`;
    await admin.query(
      `create table public.${table} (id bigint primary key, email text not null, score int, note text)`,
    );
    await admin.query(
      `insert into public.${table} select g, 'user' || g || '@example.com', g % 1000, 'note ' || g from generate_series(1, ${n}) g`,
    );
    await admin.query(`analyze public.${table}`);
    await admin.query(`grant select on public.${table} to ${wh.settings.user}`);
    await admin.query(`create schema bf_${table} authorization ${wh.settings.user}`);
    const dir = lib.tempDir('runs');
    const spec = { state: state(wh.settings, receiver.url, table), dir, password: wh.password };

    const before = await stats(receiver.url);
    const first = await runChild(spec);
    const sentFirst = (await stats(receiver.url)).records - before.records;
    const max = await receiverMax(receiver.url, Math.min(n, 200000));

    await admin.query(`update public.${table} set score = score + 1 where id % 100 = 0`);
    // The floor: the warehouse counting the model's rows, timed the same way (best of 3).
    const floor = [];
    for (let i = 0; i < 3; i += 1) {
      const t0 = lib.now();
      await admin.query(`select count(*) from (select id, email, score, note from public.${table}) q`);
      floor.push(lib.secondsSince(t0));
    }
    const floorS = Math.min(...floor);
    const changed = await runChild(spec);
    const idleBefore = await stats(receiver.url);
    const idle = await runChild(spec);
    const sentIdle = (await stats(receiver.url)).records - idleBefore.records;

    rows.push([
      lib.fmtInt(n),
      lib.fmtS(floorS),
      lib.fmtS(changed.planSeconds),
      lib.fmtRatio(changed.planSeconds / floorS),
      lib.fmtInt(changed.planned.change),
      lib.fmtInt(Math.round(sentFirst / first.deliverSeconds)),
      lib.fmtInt(Math.round(max)),
      lib.fmtRatio(sentFirst / first.deliverSeconds / max),
      lib.fmtBytes(first.maxRssBytes),
      lib.fmtS(idle.totalSeconds),
      String(sentIdle),
    ]);
    metrics.push(
      [`plan ${n} rows, 1% changed / count(*)`, lib.fmtRatio(changed.planSeconds / floorS)],
      [
        `first run ${n} rows: delivered/s vs receiver max`,
        lib.fmtRatio(sentFirst / first.deliverSeconds / max),
      ],
      [`peak RSS, first run of ${n} rows`, lib.fmtBytes(first.maxRssBytes)],
      [`idle run ${n} rows: time, rows sent`, `${lib.fmtS(idle.totalSeconds)}, ${sentIdle}`],
    );
    if (first.status !== 'succeeded' || changed.status !== 'succeeded' || sentFirst !== n) {
      throw new Error(`unexpected run: ${JSON.stringify({ first, changed, sentFirst })}`);
    }
  }
  console.log(
    lib.table(
      [
        'rows',
        'count(*)',
        'plan (1% changed)',
        'plan/count',
        'changed',
        'first run rows/s',
        'receiver max rows/s',
        'ratio',
        'peak RSS',
        'idle run',
        'idle sent',
      ],
      rows,
    ),
  );
  if (SIZES.length > 1) {
    const a = rows[0][8];
    const b = rows[rows.length - 1][8];
    console.log(`\nPeak RSS from ${rows[0][0]} to ${rows[rows.length - 1][0]} rows: ${a} → ${b}`);
  }
  lib.summary('sync-runs', metrics);
}

lib.runMain('sync-runs', main);
