'use strict';
/**
 * Shared helpers of the benchmarks: timing, temp folders, config generation, a throw-away Postgres
 * warehouse, running the real CLI, and the SUMMARY lines that bench/run-all.js collects.
 *
 * Every benchmark is a plain CommonJS script that requires the compiled engine from ../dist (run
 * `npm run build` first; `npm run bench` does). Traffic stays on loopback: the loopback guard used by the
 * test suite is loaded here (and preloaded into every CLI process we spawn), so any connection to a
 * non-loopback address throws instead of leaving the machine.
 */
const { Buffer } = require('node:buffer');
const { setTimeout, clearTimeout } = require('node:timers');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const BIN = path.join(ROOT, 'bin', 'backflow.js');
const GUARD = path.join(ROOT, 'test', 'helpers', 'loopback-guard.js');

require(GUARD);

if (!fs.existsSync(path.join(DIST, 'engine', 'plan-workspace.js'))) {
  console.error('bench: dist/ is missing or incomplete: run `npm run build` first (or `npm run bench`).');
  process.exit(1);
}

/** Requires a compiled module: dist('engine/plan-workspace'). */
function dist(mod) {
  return require(path.join(DIST, mod));
}

// ---------------------------------------------------------------------------------------------- timing

function now() {
  return process.hrtime.bigint();
}

function secondsSince(t0) {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Runs `fn` (sync or async) and returns [seconds, result]. */
async function timed(fn) {
  const t0 = now();
  const result = await fn();
  return [secondsSince(t0), result];
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

// ---------------------------------------------------------------------------------------------- format

function fmtS(seconds) {
  if (seconds === undefined || seconds === null || Number.isNaN(seconds)) return 'n/a';
  if (seconds < 0.01) return `${(seconds * 1000).toFixed(2)} ms`;
  if (seconds < 1) return `${(seconds * 1000).toFixed(0)} ms`;
  return `${seconds.toFixed(2)} s`;
}

function fmtRatio(x) {
  if (x === undefined || x === null || !Number.isFinite(x)) return 'n/a';
  return `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`;
}

function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US');
}

function fmtBytes(n) {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

/** Prints rows as an aligned table. */
function table(headers, rows) {
  const all = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(all[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of all.slice(1)) console.log(line(r));
}

/**
 * Summary lines, one per metric: `SUMMARY <bench> | <metric> | <value>`. run-all.js collects every line
 * that starts with `SUMMARY ` and prints them together at the end.
 */
function summary(bench, metrics) {
  console.log('');
  console.log(`Summary (${bench}):`);
  for (const [metric, value] of metrics) console.log(`SUMMARY ${bench} | ${metric} | ${value}`);
}

function heading(text) {
  console.log('');
  console.log(`== ${text}`);
}

// ---------------------------------------------------------------------------------------------- temp dirs

const tempDirs = [];
const cleanups = [];

function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `backflow-bench-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** Registers an async cleanup (stop Postgres...), run by `cleanup()` in reverse order. */
function onCleanup(fn) {
  cleanups.push(fn);
}

async function cleanup() {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (err) {
      console.error(`bench cleanup: ${err && err.message ? err.message : err}`);
    }
  }
  removeTempDirs();
}

function removeTempDirs() {
  while (tempDirs.length > 0) fs.rmSync(tempDirs.pop(), { recursive: true, force: true });
}
// Last resort (an exception escaped main): never leave temp folders behind. Postgres has its own exit hook.
process.on('exit', removeTempDirs);

/** Runs a benchmark's main(), always cleans up, exits 0 on success and 1 on a real failure. */
function runMain(name, main) {
  const t0 = now();
  const stop = async (code) => {
    await cleanup();
    console.log(`\n${name}: finished in ${fmtS(secondsSince(t0))}`);
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void stop(130));
  main().then(
    () => stop(0),
    (err) => {
      console.error(`\n${name} FAILED: ${err && err.stack ? err.stack : err}`);
      return stop(1);
    },
  );
}

// ---------------------------------------------------------------------------------------------- config

/** Sync schedules, cycled through: manual, periodic, cron (two zones), specific days. */
const SCHEDULES = [
  { strategy: 'manual' },
  { strategy: 'periodic', interval: '1h' },
  { strategy: 'cron', expression: '0 */2 * * *', timezone: 'UTC' },
  { strategy: 'specific_days', days: ['mon', 'thu'], hours: [6, 18], timezone: 'Europe/Berlin' },
  { strategy: 'periodic', interval: '15m' },
  { strategy: 'cron', expression: '30 6 * * 1-5', timezone: 'Europe/Berlin' },
];

function pad(i, width) {
  return String(i).padStart(width, '0');
}

/**
 * A workspace config: one Postgres source (or `warehouse`'s, e.g. redshift; password from
 * `{ "env": "WAREHOUSE_PASSWORD" }`), one webhook destination, `models` SQL models and `syncs` syncs spread
 * round-robin over the models. Names are zero-padded to a fixed width so every model (and every sync) costs
 * the same bytes.
 */
function workspaceConfig({
  models,
  syncs,
  settings,
  schedules = SCHEDULES,
  width = 5,
  warehouse = 'postgres',
}) {
  const m = {};
  for (let i = 0; i < models; i++) {
    m[`m_${pad(i, width)}`] = {
      source: 'warehouse',
      name: `Model ${pad(i, width)}`,
      query: `select id, v from t where id > ${pad(i, width)}`,
      primary_key: 'id',
    };
  }
  const s = {};
  for (let i = 0; i < syncs; i++) {
    s[`s_${pad(i, width)}`] = {
      model: `m_${pad(i % models, width)}`,
      destination: 'hook',
      mode: 'upsert',
      schedule: schedules[i % schedules.length],
    };
  }
  return {
    backend: { type: 'local', path: '.backflow/state.json' },
    sources: {
      warehouse: {
        warehouse,
        settings: { ...settings, password: { env: 'WAREHOUSE_PASSWORD' }, sslmode: 'disable' },
      },
    },
    destinations: { hook: { type: 'webhook', url: 'https://hooks.example.com/backflow-bench' } },
    models: m,
    syncs: s,
  };
}

function writeConfig(dir, config) {
  fs.mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(config, null, 2);
  fs.writeFileSync(path.join(dir, 'backflow.json'), text);
  return Buffer.byteLength(text);
}

// ---------------------------------------------------------------------------------------------- warehouse

/**
 * A throw-away Postgres cluster on 127.0.0.1 with database `bench`, table `t(id, v)` of `rows` rows and a
 * LOGIN role with a password (the harness requires one over TCP for everyone but the superuser) that may
 * connect, create temp views and create the managed schema. Stopped by cleanup().
 * `redshift`: the database answers as Redshift through the compatibility schema (test/servers/redshift),
 * without the tests' proxy, so the Redshift adapter's SQL runs on it.
 */
async function startWarehouse({ rows = 1000, redshift = false } = {}) {
  const { startPostgres } = require(path.join(ROOT, 'test', 'helpers', 'postgres-server.js'));
  const { Client } = require('pg');
  const pg = await startPostgres();
  onCleanup(() => pg.stop());
  const password = `bench-${crypto.randomBytes(12).toString('hex')}`;
  const user = 'backflow_bench';
  const database = 'bench';

  const admin = new Client({ connectionString: pg.url });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
    await admin.query(`create role ${user} login password '${password}'`);
    await admin.query(`grant connect, temporary, create on database ${database} to ${user}`);
  } finally {
    await admin.end();
  }
  const db = new Client({ host: pg.host, port: pg.port, user: pg.user, database });
  await db.connect();
  try {
    if (redshift)
      await db.query(
        require(path.join(ROOT, 'test', 'servers', 'redshift', 'redshift-compat.js')).compatSql(database),
      );
    await db.query('create table public.t (id int primary key, v text not null)');
    await db.query(`insert into public.t select g, 'v' || g from generate_series(1, ${rows}) g`);
    await db.query(`grant select on public.t to ${user}`);
    await db.query('analyze public.t');
  } finally {
    await db.end();
  }
  return {
    pg,
    password,
    version: pg.version,
    settings: { host: pg.host, port: pg.port, database, user },
  };
}

// ---------------------------------------------------------------------------------------------- apply

/**
 * What `backflow apply -auto-approve` does, through the library: lock, read state (journal folded in),
 * plan (refresh on), apply through SyncState (every finished action journaled), write the state once.
 * Returns timings and counts; throws when the plan or the apply fails.
 */
async function applyWorkspace({ desired, backend, parallelism = 10, hooks = {} }) {
  const { planWorkspace } = dist('engine/plan-workspace');
  const { applyPlan } = dist('engine/apply');
  const { Connections } = dist('engine/connections');
  const { SyncState } = dist('state/sync-state');
  const { hasChanges } = dist('engine/plan');
  const { BACKFLOW_VERSION } = dist('version');

  const lock = await backend.lock('apply');
  const connections = new Connections(desired.configDir);
  try {
    const { state: prior } = await backend.readWithRecovery();
    const [planSeconds, planned] = await timed(() =>
      planWorkspace(
        desired,
        prior,
        { mode: 'normal', targets: [], refresh: true, trustNewEndpoints: true },
        connections,
      ),
    );
    const { plan, state } = planned;
    if (plan.errored) {
      const errors = plan.diagnostics.filter((d) => d.severity === 'error').slice(0, 3);
      throw new Error(`plan failed: ${errors.map((d) => d.summary).join('; ')}`);
    }
    const actions = plan.resource_changes.filter((c) => c.action !== 'no-op').length;
    if (!hasChanges(plan)) return { planSeconds, applySeconds: 0, writeSeconds: 0, actions: 0, plan };
    const sync = new SyncState(state, backend);
    const [applySeconds, result] = await timed(() =>
      applyPlan({ plan, desired, state: sync, salt: state.salt, connections, parallelism, hooks }),
    );
    await sync.flush();
    const final = sync.close();
    const [writeSeconds] = await timed(() =>
      backend.write({ ...final, serial: (prior ? prior.serial : 0) + 1, backflow_version: BACKFLOW_VERSION }),
    );
    if (result.failures.length > 0) {
      throw new Error(`apply failed: ${result.failures.map((f) => `${f.address}: ${f.message}`).join('; ')}`);
    }
    const roundTrips = await connections.roundTrips();
    return { planSeconds, applySeconds, writeSeconds, actions, plan, result, roundTrips };
  } finally {
    await connections.closeAll();
    await lock.release();
    await backend.close();
  }
}

// ---------------------------------------------------------------------------------------------- processes

const TIME_BIN = '/usr/bin/time';

/**
 * Spawns a command, stdout/stderr to files (so printing never dominates), with a timeout.
 * Resolves { code, signal, seconds, timedOut, stdoutFile, stderrFile, cpuSeconds }. With `cpu: true` the
 * command runs under /usr/bin/time (when installed), and cpuSeconds is its user + system CPU time (10 ms
 * resolution; NaN without /usr/bin/time or when the command was stopped).
 */
function runTimed(cmd, args, { cwd, env, timeoutMs = 0, outDir, cpu = false }) {
  const stdoutFile = path.join(outDir, `${path.basename(cmd)}-${Date.now()}.out`);
  const stderrFile = `${stdoutFile}.err`;
  const cpuFile = cpu && fs.existsSync(TIME_BIN) ? `${stdoutFile}.cpu` : undefined;
  const [file, argv] = cpuFile ? [TIME_BIN, ['-f', '%U %S', '-o', cpuFile, cmd, ...args]] : [cmd, args];
  const out = fs.openSync(stdoutFile, 'w');
  const err = fs.openSync(stderrFile, 'w');
  const t0 = now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', out, err], detached: true });
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid, 'SIGKILL'); // the child's own process group, nothing else
            } catch {
              child.kill('SIGKILL');
            }
          }, timeoutMs)
        : undefined;
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      fs.closeSync(out);
      fs.closeSync(err);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      const seconds = secondsSince(t0);
      if (timer) clearTimeout(timer);
      fs.closeSync(out);
      fs.closeSync(err);
      resolve({ code, signal, seconds, timedOut, stdoutFile, stderrFile, cpuSeconds: cpuOf(cpuFile) });
    });
  });
}

/** User + system seconds written by /usr/bin/time -f '%U %S' (its last line), or NaN. */
function cpuOf(cpuFile) {
  if (cpuFile === undefined || !fs.existsSync(cpuFile)) return NaN;
  const lines = fs.readFileSync(cpuFile, 'utf8').trim().split('\n');
  fs.rmSync(cpuFile, { force: true });
  const [user, system] = lines[lines.length - 1].split(' ').map(Number);
  return user + system;
}

/** The real CLI (`node bin/backflow.js ...`) with the loopback guard preloaded. */
function runCli(args, { cwd, env = {}, timeoutMs = 0, outDir }) {
  return runTimed(process.execPath, [BIN, ...args], {
    cwd,
    outDir,
    timeoutMs,
    env: {
      ...process.env,
      NO_COLOR: '1',
      NODE_OPTIONS: `--require ${GUARD}`,
      ...env,
    },
  });
}

function tail(file, chars = 1500) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > chars ? `...${text.slice(-chars)}` : text;
  } catch {
    return '';
  }
}

module.exports = {
  ROOT,
  BIN,
  GUARD,
  dist,
  now,
  secondsSince,
  timed,
  median,
  fmtS,
  fmtRatio,
  fmtInt,
  fmtBytes,
  table,
  summary,
  heading,
  tempDir,
  onCleanup,
  cleanup,
  runMain,
  SCHEDULES,
  pad,
  workspaceConfig,
  writeConfig,
  startWarehouse,
  applyWorkspace,
  runTimed,
  runCli,
  tail,
};
