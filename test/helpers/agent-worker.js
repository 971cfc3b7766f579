'use strict';
/**
 * One agent process for the scale-out test: the built agent (dist/) on the test database, reading a state
 * file, with a run function that records each execution's start and finish in `exec_log` and a clock that
 * runs `SPEED` times faster than real time from `FAKE_START` to `FAKE_END` (both agents share `REAL_START`).
 * Killed with SIGKILL by the test mid-way; nothing here cleans up on purpose.
 */
const { readFileSync } = require('node:fs');
const { setTimeout } = require('node:timers');
const { Pool } = require('pg');
const pino = require('pino');
const { startAgent } = require('../../dist/agent/start-agent');
const { finishedRun } = require('./run-result');

const env = process.env;
const who = env.AGENT_NAME;
const realStart = Number(env.REAL_START);
const fakeStart = Number(env.FAKE_START);
const speed = Number(env.SPEED);
// The clock stops at FAKE_END so that each daily slot comes round only once during the test.
const now = () => Math.min(Number(env.FAKE_END), fakeStart + Math.max(0, Date.now() - realStart) * speed);
const pool = new Pool({ connectionString: env.DATABASE_URL, max: 4 });
pool.on('error', () => undefined);

async function runFn(call) {
  const runId = `${who}-${Math.random().toString(36).slice(2, 10)}`;
  call.onStart(runId, false);
  await pool.query('insert into exec_log (sync, agent, run_id, phase) values ($1, $2, $3, $4)', [
    call.sync,
    who,
    runId,
    'start',
  ]);
  await new Promise((r) => setTimeout(r, Number(env.RUN_MS)));
  await pool.query('insert into exec_log (sync, agent, run_id, phase) values ($1, $2, $3, $4)', [
    call.sync,
    who,
    runId,
    'finish',
  ]);
  return finishedRun(call, runId, { accepted: { add: 1 } });
}

startAgent({
  databaseUrl: env.DATABASE_URL,
  readState: async () => JSON.parse(readFileSync(env.STATE_FILE, 'utf8')),
  runFn,
  now,
  log: pino({ level: 'warn' }),
  concurrency: 4,
  leaseSeconds: Number(env.LEASE_SECONDS),
  tickMs: 100,
  pollingIntervalSeconds: 0.5,
  maintenanceIntervalSeconds: 1,
  deferSeconds: 1,
}).then(
  (a) => {
    process.stdout.write('ready\n');
    process.once('SIGTERM', () => void a.stop().then(() => process.exit(0)));
  },
  (err) => {
    process.stderr.write(String(err && err.stack) + '\n');
    process.exit(1);
  },
);
