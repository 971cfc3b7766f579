#!/usr/bin/env node
'use strict';
/**
 * Statements per sync run on every warehouse's test server: change tracking is pushed down to the
 * warehouse, so a run's statements must not grow with the model's rows — only with the number of delivery
 * batches, and each batch costs the same whatever the rows.
 *
 * For each warehouse (the real client library against the protocol-level Snowflake, BigQuery and Databricks
 * servers, Postgres behind the Redshift compatibility schema, and the real Postgres) and each size N
 * (default 100 and 10,000 rows), a model table of N rows is tracked by a fresh sync and one run is made as
 * the runner makes it through SyncTracking: ensureTables, planRun, readPlan + commitBatch per batch of
 * BENCH_TRACKING_BATCH rows (default 1,000; the first row of each batch rejected, so it is retried next run), finishPlan. Then 1% of the rows
 * change and a second run delivers just them. Statements are the adapter driver's count (statements / API
 * calls; sign-in not counted).
 *
 * Sizes: BENCH_TRACKING_SIZES (default "100,10000"). Warehouses: BENCH_WAREHOUSES (default all five).
 */
const path = require('node:path');
const crypto = require('node:crypto');
const L = require('./lib');

const ROOT = path.join(__dirname, '..');
const SIZES = (process.env.BENCH_TRACKING_SIZES || '100,10000').split(',').map(Number);
const BATCH = Number(process.env.BENCH_TRACKING_BATCH || 1000);
const WAREHOUSES = (process.env.BENCH_WAREHOUSES || 'postgres,redshift,snowflake,bigquery,databricks').split(
  ',',
);

const { getDialect } = L.dist('adapters/warehouse/registry');
const server = (name) => require(path.join(ROOT, 'test', 'servers', name));
const lit = (s) => `'${s.replace(/'/g, "''")}'`;

async function startPostgresDb(redshift) {
  const { startPostgres } = require(path.join(ROOT, 'test', 'helpers', 'postgres-server.js'));
  const { Client } = require('pg');
  const pg = await startPostgres();
  L.onCleanup(() => pg.stop());
  const password = `bench-${crypto.randomBytes(12).toString('hex')}`;
  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  await admin.query('create database bench');
  await admin.query(`create role bench login password '${password}'`);
  await admin.end();
  const db = new Client({ connectionString: pg.url.replace(/\/postgres$/, '/bench') });
  await db.connect();
  L.onCleanup(() => db.end());
  if (redshift) await db.query(server('redshift/redshift-compat').compatSql('bench'));
  await db.query(`create schema data; grant usage on schema data to bench;
    alter default privileges in schema data grant select on tables to bench; grant create on database bench to bench;`);
  return {
    settings: {
      host: pg.host,
      port: pg.port,
      database: 'bench',
      user: 'bench',
      password,
      sslmode: 'disable',
    },
    exec: async (sql) => void (await db.query(sql)),
    table: (n) => `data."${n}"`,
    quote: (c) => `"${c}"`,
    types: redshift ? ['varchar(64)', 'varchar(64)'] : ['text', 'text'],
  };
}

const STARTERS = {
  postgres: () => startPostgresDb(false),
  redshift: () => startPostgresDb(true),
  async snowflake() {
    const { startSnowflakeServer } = server('snowflake/snowflake-server');
    const sf = await startSnowflakeServer({ account: 'bench-acct' });
    L.onCleanup(() => sf.stop());
    await sf.createDatabase('BENCH', ['PUBLIC', 'DATA']);
    sf.addWarehouse('BENCH_WH');
    sf.addRole('BENCH_ROLE');
    sf.grant('BENCH_ROLE', 'USAGE', 'WAREHOUSE', 'BENCH_WH');
    sf.grant('BENCH_ROLE', 'USAGE', 'DATABASE', 'BENCH');
    sf.grant('BENCH_ROLE', 'CREATE SCHEMA', 'DATABASE', 'BENCH');
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    sf.addUser({ name: 'bench', publicKey, roles: ['BENCH_ROLE'] });
    return {
      settings: {
        account: 'bench-acct',
        user: 'bench',
        role: 'bench_role',
        warehouse: 'bench_wh',
        database: 'bench',
        private_key: privateKey,
        access_url: sf.url,
      },
      exec: (sql) => sf.sql(sql, 'BENCH'),
      table: (n) => `"DATA"."${n}"`,
      quote: (c) => `"${c}"`,
      types: ['varchar', 'varchar'],
    };
  },
  async bigquery() {
    const { startBigQueryServer } = server('bigquery/bigquery-server');
    const bq = await startBigQueryServer({ project: 'bench-project' });
    L.onCleanup(() => bq.stop());
    await bq.createDataset('data');
    const sa = bq.addServiceAccount('bench', {
      projectRoles: ['roles/bigquery.jobUser', 'roles/bigquery.user', 'roles/bigquery.metadataViewer'],
    });
    return {
      settings: { project_id: 'bench-project', location: 'US', credentials: sa.json, api_endpoint: bq.url },
      exec: (sql) => bq.sql(sql),
      table: (n) => `\`data\`.\`${n}\``,
      quote: (c) => `\`${c}\``,
      types: ['STRING', 'STRING'],
    };
  },
  async databricks() {
    const { startDatabricksServer } = server('databricks/databricks-server');
    const dbx = await startDatabricksServer();
    L.onCleanup(() => dbx.stop());
    const token = `dapi-bench-${crypto.randomBytes(8).toString('hex')}`;
    dbx.addToken(token, 'bench@example.com');
    for (const p of ['USE CATALOG', 'CREATE SCHEMA', 'USE SCHEMA', 'SELECT'])
      await dbx.grant(p, 'bench@example.com', 'main');
    await dbx.sql('create schema data');
    return {
      settings: {
        host: '127.0.0.1',
        port: dbx.port,
        http_path: dbx.httpPath,
        catalog: 'main',
        token,
        ca_cert: dbx.caCert,
      },
      exec: (sql) => dbx.sql(sql),
      table: (n) => `main.data.\`${n}\``,
      quote: (c) => `\`${c}\``,
      types: ['STRING', 'STRING'],
    };
  },
};

async function fill(w, table, n) {
  const [idType, vType] = w.types;
  await w.exec(`create table ${w.table(table)} (${w.quote('id')} ${idType}, ${w.quote('v')} ${vType})`);
  for (let at = 0; at < n; at += 1000) {
    const rows = [];
    for (let k = at; k < Math.min(n, at + 1000); k++) rows.push(`(${lit(`k${k}`)}, ${lit(`v${k}`)})`);
    await w.exec(
      `insert into ${w.table(table)} (${w.quote('id')}, ${w.quote('v')}) values ${rows.join(', ')}`,
    );
  }
}

/** One run as the runner makes it; returns statements spent planning, per batch and in all. */
async function run(tracking, spec) {
  const t = { schema: spec.schema, sync: spec.sync };
  const s0 = tracking.statements;
  await tracking.ensureTables(t);
  const counts = await tracking.planRun(spec);
  const planning = tracking.statements - s0;
  const perBatch = [];
  let after = 0;
  for (;;) {
    const b0 = tracking.statements;
    const rows = await tracking.readPlan(t, spec.runId, after, BATCH);
    if (rows.length === 0) break;
    after = rows[rows.length - 1].seq;
    await tracking.commitBatch(
      t,
      spec.runId,
      // The first row of every batch is rejected: each batch writes accepted rows and rejections alike,
      // so batches compare at their full cost.
      rows.map((r, k) => ({
        seq: r.seq,
        recordId: r.recordId,
        op: r.op,
        checksum: r.checksum,
        accepted: k !== 0,
        ...(k === 0 ? { reason: 'bench rejection' } : {}),
      })),
    );
    perBatch.push(tracking.statements - b0);
  }
  await tracking.finishPlan(t, spec.runId);
  const planned = Object.values(counts.planned).reduce((a, b) => a + b, 0);
  return { planned, planning, perBatch, total: tracking.statements - s0 };
}

async function benchWarehouse(name) {
  const [startS, w] = await L.timed(() => STARTERS[name]());
  console.log(`${name}: test server up in ${L.fmtS(startS)}`);
  const adapter = await getDialect(name).connect(w.settings);
  L.onCleanup(() => adapter.close());
  await adapter.ensureManagedSchema('__backflow');
  const tracking = adapter.tracking();
  const rows = [];
  for (const n of SIZES) {
    const table = `items_${n}`;
    await fill(w, table, n);
    const spec = (runId) => ({
      schema: '__backflow',
      sync: `bench_${n}`,
      runId,
      modelSql: `select * from ${w.table(table)}`,
      primaryKey: 'id',
      columns: ['id', 'v'],
      mode: 'mirror',
      fullResync: false,
    });
    const [s1, first] = await L.timed(() => run(tracking, spec('first')));
    const changed = Math.max(1, Math.floor(n / 100));
    await w.exec(
      `update ${w.table(table)} set ${w.quote('v')} = ${lit('changed')} where ${w.quote('id')} in (${Array.from({ length: changed }, (_, k) => lit(`k${(k * 97 + 1) % n}`)).join(', ')})`,
    );
    const [s2, second] = await L.timed(() => run(tracking, spec('second')));
    for (const [label, r, s] of [
      ['first run', first, s1],
      ['1% changed', second, s2],
    ]) {
      console.log(
        `  N=${n} ${label}: ${r.planned} planned, planning ${r.planning} statements, ${r.perBatch.length} batches of ≤${BATCH} at ${[...new Set(r.perBatch)].join('/') || '-'} statements, ${r.total} in all, ${L.fmtS(s)}`,
      );
    }
    rows.push({ n, first, second });
  }
  return rows;
}

async function main() {
  L.heading(`tracking-statements: statements per sync run at ${SIZES.join(' / ')} rows, batches of ${BATCH}`);
  const results = {};
  for (const w of WAREHOUSES) results[w] = await benchWarehouse(w);
  L.heading('results (statements; a batch costs the same at every size)');
  const first = SIZES[0];
  const last = SIZES[SIZES.length - 1];
  const table = [];
  const metrics = [];
  for (const w of WAREHOUSES) {
    const a = results[w].find((r) => r.n === first);
    const b = results[w].find((r) => r.n === last);
    const batchCost = (r) => Math.max(0, ...r.first.perBatch, ...r.second.perBatch);
    table.push([
      w,
      `${a.first.planning} / ${b.first.planning}`,
      `${batchCost(a)} / ${batchCost(b)}`,
      `${a.second.total} / ${b.second.total}`,
      L.fmtRatio(b.first.planning / a.first.planning),
    ]);
    metrics.push([
      `${w} planning statements at ${first} / ${last} rows`,
      `${a.first.planning} / ${b.first.planning}`,
    ]);
    metrics.push([
      `${w} statements per batch at ${first} / ${last} rows`,
      `${batchCost(a)} / ${batchCost(b)}`,
    ]);
    metrics.push([
      `${w} statements per run with 1% changed at ${first} / ${last} rows`,
      `${a.second.total} / ${b.second.total}`,
    ]);
    if (b.first.planning !== a.first.planning || batchCost(a) < batchCost(b))
      throw new Error(`${w}: statements grow with rows`);
  }
  L.table(
    [
      'warehouse',
      `planning ${first}/${last}`,
      `per batch ${first}/${last}`,
      `1%-changed run ${first}/${last}`,
      'planning ratio',
    ],
    table,
  );
  L.summary('tracking-statements', metrics);
}

L.runMain('tracking-statements', main);
