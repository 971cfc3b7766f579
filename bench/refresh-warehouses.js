#!/usr/bin/env node
'use strict';
/**
 * Refresh of N models on one source of each warehouse (Snowflake, BigQuery, Databricks, Redshift): warehouse
 * round trips must not grow with the number of models, and the seconds it takes.
 *
 * Each warehouse is the real client library against the test tree's protocol-level server (DuckDB inside),
 * or Postgres behind the Redshift compatibility schema. For each size N (default 10 and 1,000) a workspace of
 * N SQL models is applied through the library (so each model has its snapshot table, which refresh looks
 * for), then refreshed RUNS times as `plan` does (planWorkspace, refresh on, fresh connections), reading the
 * round trips from Connections.roundTrips() (statements / API calls; sign-in is not counted) and, as a check
 * from the other side, the requests the server saw.
 *
 * Sizes: BENCH_WAREHOUSE_SIZES (default "10,1000"). Runs per size: BENCH_WAREHOUSE_RUNS (default 3).
 * Warehouses: BENCH_WAREHOUSES (default "snowflake,bigquery,databricks,redshift").
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const L = require('./lib');

const ROOT = path.join(__dirname, '..');
const SIZES = (process.env.BENCH_WAREHOUSE_SIZES || '10,1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_WAREHOUSE_RUNS || 3);
const WAREHOUSES = (process.env.BENCH_WAREHOUSES || 'snowflake,bigquery,databricks,redshift').split(',');

const { loadConfig } = L.dist('config/load');
const { planWorkspace } = L.dist('engine/plan-workspace');
const { Connections } = L.dist('engine/connections');
const { LocalBackend } = L.dist('state/local-backend');
const { hasChanges, summaryLine } = L.dist('engine/plan');

const server = (name) => require(path.join(ROOT, 'test', 'servers', name));
const ROWS = "(1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')";

/** Each warehouse: start its server with table t(id, v), return the source block, env, pk and a request counter. */
const STARTERS = {
  async snowflake(dir) {
    const { startSnowflakeServer } = server('snowflake/snowflake-server');
    const sf = await startSnowflakeServer({ account: 'bench-acct' });
    L.onCleanup(() => sf.stop());
    await sf.createDatabase('BENCH', ['PUBLIC', 'DATA']);
    sf.addWarehouse('BENCH_WH');
    sf.addRole('BENCH_ROLE');
    for (const [p, on, name] of [
      ['USAGE', 'WAREHOUSE', 'BENCH_WH'],
      ['USAGE', 'DATABASE', 'BENCH'],
      ['CREATE SCHEMA', 'DATABASE', 'BENCH'],
    ]) {
      sf.grant('BENCH_ROLE', p, on, name);
    }
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    sf.addUser({ name: 'bench', publicKey, roles: ['BENCH_ROLE'] });
    await sf.sql(`create table data.t (id bigint, v varchar); insert into data.t values ${ROWS}`, 'BENCH');
    fs.writeFileSync(path.join(dir, 'rsa_key.p8'), privateKey);
    return {
      source: {
        warehouse: 'snowflake',
        settings: {
          account: 'bench-acct',
          user: 'bench',
          role: 'bench_role',
          warehouse: 'bench_wh',
          database: 'bench',
          private_key: { file: 'rsa_key.p8' },
          access_url: sf.url,
        },
      },
      table: 'data.t',
      pk: 'ID',
      requests: () => sf.log.requests.filter((r) => r.path === '/queries/v1/query-request').length,
      label: 'query requests',
    };
  },
  async bigquery(dir) {
    const { startBigQueryServer } = server('bigquery/bigquery-server');
    const bq = await startBigQueryServer({ project: 'bench-project' });
    L.onCleanup(() => bq.stop());
    await bq.createDataset('data');
    const sa = bq.addServiceAccount('bench', {
      projectRoles: ['roles/bigquery.jobUser', 'roles/bigquery.user', 'roles/bigquery.metadataViewer'],
    });
    await bq.sql(
      `create table \`data\`.\`t\` (id INT64, v STRING); insert into \`data\`.\`t\` values ${ROWS}`,
    );
    fs.writeFileSync(path.join(dir, 'key.json'), sa.json);
    return {
      source: {
        warehouse: 'bigquery',
        settings: {
          project_id: 'bench-project',
          location: 'US',
          credentials: { file: 'key.json' },
          api_endpoint: bq.url,
        },
      },
      table: '`data`.`t`',
      pk: 'id',
      requests: () => bq.log.requests.length,
      label: 'API requests',
    };
  },
  async databricks(dir) {
    const { startDatabricksServer } = server('databricks/databricks-server');
    const dbx = await startDatabricksServer();
    L.onCleanup(() => dbx.stop());
    const token = `dapi-bench-${crypto.randomBytes(8).toString('hex')}`;
    dbx.addToken(token, 'bench@example.com');
    await dbx.grant('USE CATALOG', 'bench@example.com', 'main');
    await dbx.grant('CREATE SCHEMA', 'bench@example.com', 'main');
    await dbx.grant('USE SCHEMA', 'bench@example.com', 'main');
    await dbx.grant('SELECT', 'bench@example.com', 'main');
    await dbx.sql(
      `create schema data; create table data.t (id BIGINT, v STRING); insert into data.t values ${ROWS}`,
    );
    fs.writeFileSync(path.join(dir, 'ca.pem'), dbx.caCert);
    process.env.BENCH_DATABRICKS_TOKEN = token;
    return {
      source: {
        warehouse: 'databricks',
        settings: {
          host: '127.0.0.1',
          port: dbx.port,
          http_path: dbx.httpPath,
          catalog: 'main',
          token: { env: 'BENCH_DATABRICKS_TOKEN' },
          ca_cert: { file: 'ca.pem' },
        },
      },
      table: 'data.t',
      pk: 'id',
      requests: () => dbx.log.httpRequests,
      label: 'HTTP requests, OpenSession included',
    };
  },
  async redshift() {
    const { startPostgres } = require(path.join(ROOT, 'test', 'helpers', 'postgres-server.js'));
    const { compatSql } = server('redshift/redshift-compat');
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
    await db.query(compatSql('bench'));
    await db.query(`create schema data; create table data.t (id bigint, v varchar(64)); insert into data.t values ${ROWS};
      grant usage on schema data to bench; grant select on all tables in schema data to bench;
      grant create on database bench to bench;`);
    await db.end();
    process.env.BENCH_REDSHIFT_PASSWORD = password;
    return {
      source: {
        warehouse: 'redshift',
        settings: {
          host: pg.host,
          port: pg.port,
          database: 'bench',
          user: 'bench',
          password: { env: 'BENCH_REDSHIFT_PASSWORD' },
          sslmode: 'disable',
        },
      },
      table: 'data.t',
      pk: 'id',
      requests: () => 0,
    };
  },
};

function config(n, started) {
  const models = {};
  for (let i = 0; i < n; i++) {
    const id = String(i).padStart(5, '0');
    models[`m_${id}`] = {
      source: 'warehouse',
      name: `Model ${id}`,
      query: `select id, v from ${started.table} where id > ${i % 3}`,
      primary_key: started.pk,
    };
  }
  return {
    backend: { type: 'local', path: '.backflow/state.json' },
    sources: { warehouse: started.source },
    destinations: { hook: { type: 'webhook', url: 'https://hooks.example.com/backflow-bench' } },
    models,
  };
}

async function refreshOnce(desired, backend, started) {
  const prior = await backend.read();
  const connections = new Connections(desired.configDir);
  const before = started.requests();
  try {
    const [seconds, { plan }] = await L.timed(() =>
      planWorkspace(desired, prior, { mode: 'normal', targets: [], refresh: true }, connections),
    );
    const roundTrips = await connections.roundTrips();
    if (plan.errored)
      throw new Error(`refresh plan failed: ${plan.diagnostics.map((d) => d.summary).join('; ')}`);
    if (hasChanges(plan) || plan.resource_drift.length > 0) {
      throw new Error(
        `expected a no-op refresh, got: ${summaryLine(plan)}, ${plan.resource_drift.length} drift`,
      );
    }
    return { seconds, roundTrips, serverRequests: started.requests() - before };
  } finally {
    await connections.closeAll();
  }
}

async function benchWarehouse(warehouse) {
  const dir = L.tempDir(`refresh-${warehouse}`);
  const [startS, started] = await L.timed(() => STARTERS[warehouse](dir));
  console.log(`${warehouse}: test server up in ${L.fmtS(startS)}`);
  const rows = [];
  for (const n of SIZES) {
    L.writeConfig(dir, config(n, started));
    const desired = await loadConfig({ dir });
    const backend = new LocalBackend(desired.backend);
    const applied = await L.applyWorkspace({ desired, backend });
    console.log(
      `  N=${n}: applied ${applied.actions} actions in ${L.fmtS(applied.planSeconds + applied.applySeconds)}`,
    );
    const samples = [];
    for (let i = 0; i < RUNS; i++)
      samples.push(await refreshOnce(desired, new LocalBackend(desired.backend), started));
    const s = samples[samples.length - 1];
    console.log(
      `  N=${n}: refresh ${samples.map((x) => `${x.roundTrips} round trips / ${L.fmtS(x.seconds)}`).join(', ')}` +
        (started.label ? ` (server saw ${s.serverRequests} ${started.label})` : ''),
    );
    rows.push({
      n,
      roundTrips: L.median(samples.map((x) => x.roundTrips)),
      vary: new Set(samples.map((x) => x.roundTrips)).size > 1,
      seconds: L.median(samples.map((x) => x.seconds)),
    });
  }
  return rows;
}

async function main() {
  L.heading(`refresh-warehouses: refresh of ${SIZES.join(' / ')} models on one source per warehouse`);
  const results = {};
  for (const w of WAREHOUSES) results[w] = await benchWarehouse(w);

  L.heading(
    `results (round trips per refresh; seconds = median of ${RUNS} refreshes, fresh connections each)`,
  );
  const first = SIZES[0];
  const last = SIZES[SIZES.length - 1];
  L.table(
    [
      'warehouse',
      ...SIZES.map((n) => `rt N=${L.fmtInt(n)}`),
      `rt ratio`,
      ...SIZES.map((n) => `s N=${L.fmtInt(n)}`),
    ],
    WAREHOUSES.map((w) => {
      const r = results[w];
      return [
        w,
        ...r.map((x) => `${x.roundTrips}${x.vary ? '*' : ''}`),
        L.fmtRatio(r[r.length - 1].roundTrips / r[0].roundTrips),
        ...r.map((x) => L.fmtS(x.seconds)),
      ];
    }),
  );
  console.log('');
  console.log(
    `round trips: testConnection + checkGrants + introspection (BigQuery: INFORMATION_SCHEMA query and dry run, sent together); ` +
      `the ratio rt(N=${L.fmtInt(last)}) / rt(N=${L.fmtInt(first)}) must be 1.00.`,
  );
  const grew = WAREHOUSES.filter(
    (w) => results[w][results[w].length - 1].roundTrips !== results[w][0].roundTrips,
  );
  if (grew.length > 0)
    console.log(`WARNING: round trips grew with the number of models for ${grew.join(', ')}.`);

  L.summary(
    'refresh-warehouses',
    WAREHOUSES.flatMap((w) => [
      [
        `${w} refresh round trips at ${SIZES.map(L.fmtInt).join(' / ')} models`,
        results[w].map((r) => r.roundTrips).join(' / '),
      ],
      [
        `${w} refresh seconds at ${SIZES.map(L.fmtInt).join(' / ')} models`,
        results[w].map((r) => L.fmtS(r.seconds)).join(' / '),
      ],
    ]),
  );
}

L.runMain('refresh-warehouses', main);
