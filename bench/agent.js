'use strict';
/**
 * The agent (issue 11), in one run:
 * - scheduling overhead for 10,000 active syncs on one agent (BENCH_AGENT_SYNCS): reading the applied state
 *   and computing every next fire cold, then again on the reload after an apply that changed 1 % of the
 *   schedules; a tick with nothing due and one with everything due; RSS and heap added by the schedules;
 *   the cold load again with the cursors in Postgres (created in one statement per 5,000 syncs); and croner 11 (what the
 *   agent uses) beside cron-parser 4 (what it used) per next fire in a time zone, side by side;
 * - trigger latency from webhook receipt to run start (median, p99) on loopback, with real HMAC-signed
 *   dbt Cloud events;
 * - claims per second with 1 and 4 agents on one Postgres (pg-boss; a no-op run function, so the queue is
 *   what is measured). The 4 agents run in this one process, each with its own pg-boss and pool.
 *
 * Terraform has no equivalent of any of these (it neither schedules, receives webhooks nor queues runs):
 * there is no Terraform column. Run with `node --expose-gc bench/agent.js` for steadier memory figures.
 */
const { setTimeout } = require('node:timers');
const L = require('./lib');
const { startPostgres } = require('../test/helpers/postgres-server');
const { finishedRun } = require('../test/helpers/run-result');

const { workspaceSyncs } = L.dist('agent/workspace-syncs');
const { Scheduler, MemoryCursorStore } = L.dist('agent/scheduler');
const { slotClock } = L.dist('agent/schedules');
const { AgentDb } = L.dist('agent/agent-db');
const { startAgent } = L.dist('agent/start-agent');
const { signature } = L.dist('agent/dbt-webhook');
const pino = require('pino');

// BENCH_AGENT_SYNCS scales the scheduling part down on a loaded machine (the figure is 10,000).
const SYNCS = Number(process.env.BENCH_AGENT_SYNCS ?? 10_000);
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * Mostly distinct schedules, as a real workspace has (one shared expression would be parsed once): cron at
 * every minute of the day in five zones, specific days, and periodic intervals. `salt` changes them.
 */
function scheduleOf(i, salt = 0) {
  const j = i + salt;
  switch (i % 4) {
    case 0:
      return { strategy: 'periodic', interval: `${15 + (j % 12) * 5}m` };
    case 1:
      return {
        strategy: 'cron',
        expression: `${j % 60} ${Math.floor(j / 60) % 24} * * *`,
        timezone: ZONES[j % ZONES.length],
      };
    case 2:
      return {
        strategy: 'specific_days',
        days: [DAYS[j % 7], DAYS[(j + 3) % 7]],
        hours: [j % 24, (j + 7) % 24],
        timezone: ZONES[j % ZONES.length],
      };
    default:
      return {
        strategy: 'cron',
        expression: `${j % 60} */${1 + (j % 6)} * * 1-5`,
        timezone: ZONES[(j + 2) % ZONES.length],
      };
  }
}

function stateOf(n, scheduleFor, lineage = 'bench', serial = 1) {
  const resources = {
    'dbt_cloud.acme': {
      type: 'dbt_cloud',
      name: 'acme',
      attributes: { account_id: 1 },
      computed: {},
      dependencies: [],
    },
  };
  for (let i = 0; i < n; i++)
    resources[`sync.s${i}`] = {
      type: 'sync',
      name: `s${i}`,
      attributes: { model: 'model.m', destination: 'destination.d', schedule: scheduleFor(i) },
      computed: {},
      dependencies: [],
    };
  return { format_version: 1, backflow_version: 'bench', lineage, serial, salt: '00', resources };
}

function fakeRun(onStart) {
  let n = 0;
  return async (call) => {
    const runId = `r${++n}`;
    call.onStart(runId, false);
    onStart?.(call);
    return finishedRun(call, runId);
  };
}

function timedSync(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return [Number(process.hrtime.bigint() - t0) / 1e9];
}

function memory() {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** µs per next fire in a zone: croner (through the agent's clock) and cron-parser 4, same expressions. */
function perNextFire() {
  const { parseExpression } = require('cron-parser');
  const exprs = Array.from({ length: 50 }, (_, i) => ({
    expression: `${i % 60} ${i % 24} * * 1-5`,
    timezone: ZONES[i % ZONES.length],
  }));
  const from = Date.parse('2026-03-02T10:07:00Z');
  const clocks = exprs.map((e) => slotClock({ strategy: 'cron', ...e }));
  const [croner] = timedSync(() => {
    for (let r = 0; r < 20; r++) for (const c of clocks) c.next(from + r * 3_600_000);
  });
  const [cronParser] = timedSync(() => {
    for (const e of exprs)
      parseExpression(e.expression, { currentDate: new Date(from), tz: e.timezone })
        .next()
        .getTime();
  });
  return { croner: (croner / (20 * exprs.length)) * 1e6, cronParser: (cronParser / exprs.length) * 1e6 };
}

async function scheduling(url) {
  L.heading(`scheduling ${L.fmtInt(SYNCS)} active syncs on one agent`);
  const state = stateOf(SYNCS, (i) => scheduleOf(i));
  // After an apply: 1 % of the syncs got a new schedule, the rest kept theirs.
  const changed = Math.max(1, Math.floor(SYNCS / 100));
  const applied = stateOf(SYNCS, (i) => scheduleOf(i, i < changed ? 7 : 0), 'bench', 2);
  let now = Date.parse('2026-03-02T10:07:00Z');
  const fired = [];
  const scheduler = new Scheduler({
    store: new MemoryCursorStore(),
    now: () => now,
    fire: async (s) => void fired.push(s),
  });
  // Time zone data and the modules load on first use: a fixed cost, not the schedules'.
  const w0 = memory();
  for (const timezone of ZONES) slotClock({ strategy: 'cron', expression: '0 * * * *', timezone }).next(now);
  const m0 = memory();
  const [coldSeconds, ws] = await L.timed(async () => {
    const w = workspaceSyncs(state);
    await scheduler.load(w);
    return w;
  });
  const m1 = memory();
  const [reloadSeconds] = await L.timed(async () => scheduler.load(workspaceSyncs(applied, ws)));
  const [reparseSeconds] = await L.timed(async () => workspaceSyncs(applied));
  const scheduled = [...scheduler.nextFires().values()].filter((t) => t !== undefined).length;
  const idle = [];
  for (let i = 0; i < 20; i++) idle.push((await L.timed(() => scheduler.tick()))[0]);
  now = Date.parse('2026-03-09T23:59:00Z'); // a week down: every sync has slots due, each fires once
  const [dueSeconds] = await L.timed(() => scheduler.tick());
  const perFire = perNextFire();

  // Cold load with the cursors in Postgres (what `backflow agent` does at start).
  const db = new AgentDb(url);
  let pgSeconds;
  try {
    await db.migrate();
    const pgScheduler = new Scheduler({
      store: db.cursors('bench-sched'),
      now: () => now,
      fire: async () => {},
    });
    [pgSeconds] = await L.timed(async () => pgScheduler.load(workspaceSyncs(state)));
  } finally {
    await db.pool.end();
  }

  L.table(
    ['step', 'time'],
    [
      [`cold: read state, parse, compute ${L.fmtInt(scheduled)} next fires`, L.fmtS(coldSeconds)],
      [`reload after an apply changing ${L.fmtInt(changed)} schedules`, L.fmtS(reloadSeconds)],
      ['  (the same state parsed from scratch)', L.fmtS(reparseSeconds)],
      ['tick, nothing due (median of 20)', L.fmtS(L.median(idle))],
      [`tick, ${L.fmtInt(fired.length)} due after a week down (claim + next fire each)`, L.fmtS(dueSeconds)],
      ['cold, cursors in Postgres (one statement per 5,000 syncs)', L.fmtS(pgSeconds)],
    ],
  );
  L.table(
    ['per next fire in a time zone', 'µs'],
    [
      ['croner 11 (parsed once)', perFire.croner.toFixed(0)],
      ['cron-parser 4 (parsed per call, as before)', perFire.cronParser.toFixed(0)],
      ['ratio', L.fmtRatio(perFire.cronParser / perFire.croner)],
    ],
  );
  console.log(
    `memory for the schedules: RSS +${L.fmtBytes(m1.rss - m0.rss)}, heap +${L.fmtBytes(m1.heap - m0.heap)} (${L.fmtBytes((m1.heap - m0.heap) / SYNCS)} per sync)${globalThis.gc ? '' : ' (run with --expose-gc for a steadier figure)'}; first use of the time zones before that: RSS +${L.fmtBytes(m0.rss - w0.rss)}, heap +${L.fmtBytes(m0.heap - w0.heap)}`,
  );
  return {
    cold: coldSeconds,
    reload: reloadSeconds,
    changed,
    idle: L.median(idle),
    due: dueSeconds,
    pg: pgSeconds,
    rss: m1.rss - m0.rss,
    heap: m1.heap - m0.heap,
    perFire,
  };
}

async function latency(url) {
  L.heading('trigger latency: signed dbt Cloud webhook → run start, loopback');
  const secret = 'bench-secret';
  const started = new Map();
  const state = stateOf(
    50,
    (i) => ({ strategy: 'dbt_cloud', dbt_cloud: 'acme', job_id: 100 + i }),
    'latency',
  );
  const agent = await startAgent({
    databaseUrl: url,
    readState: async () => state,
    runFn: fakeRun((call) => started.set(call.trigger, process.hrtime.bigint())),
    log: pino({ level: 'silent' }),
    listen: { host: '127.0.0.1', port: 0 },
    webhookSecrets: () => [secret],
    autoTick: false,
    concurrency: 4,
  });
  const samples = [];
  const N = 200;
  try {
    for (let i = 0; i < N; i++) {
      const body = JSON.stringify({
        accountId: 1,
        webhookId: 'wsu',
        eventId: `e${i}`,
        timestamp: new Date().toISOString(),
        eventType: 'job.run.completed',
        webhookName: 'bench',
        data: {
          jobId: String(100 + (i % 50)),
          runId: String(5000 + i),
          runStatus: 'Success',
          runStatusCode: 10,
        },
      });
      const t0 = process.hrtime.bigint();
      const res = await globalThis.fetch(`${agent.http.url}/webhooks/dbt-cloud`, {
        method: 'POST',
        body,
        headers: { authorization: signature(secret, body) },
      });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
      const trigger = `dbt_cloud:${100 + (i % 50)}/${5000 + i}`;
      for (let w = 0; !started.has(trigger); w++) {
        if (w > 2000) throw new Error(`run of ${trigger} never started`);
        await new Promise((r) => setTimeout(r, 1));
      }
      samples.push(Number(started.get(trigger) - t0) / 1e6);
    }
  } finally {
    await agent.stop();
  }
  samples.sort((a, b) => a - b);
  const p = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  L.table(
    ['events', 'median', 'p99', 'max'],
    [[String(N), `${p(0.5).toFixed(1)} ms`, `${p(0.99).toFixed(1)} ms`, `${samples.at(-1).toFixed(1)} ms`]],
  );
  return { median: p(0.5), p99: p(0.99) };
}

/**
 * Claims per second: `jobs` runs queued before any agent starts; every agent's workers claim their first
 * job and wait at a gate until all agents are up; the clock runs from opening the gate to the last run.
 */
async function claims(url, agents, jobs) {
  const lineage = `claims${agents}`;
  const state = stateOf(jobs, () => ({ strategy: 'manual' }), lineage);
  let done = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  let openGate;
  const gate = new Promise((r) => (openGate = r));
  const runFn = async (call) => {
    await gate;
    const result = await fakeRun()(call);
    if (++done === jobs) resolveAll();
    return result;
  };
  const options = {
    databaseUrl: url,
    readState: async () => state,
    runFn,
    log: pino({ level: 'silent' }),
    autoTick: false,
    concurrency: 4,
    pollingIntervalSeconds: 0.5,
  };
  const running = [await startAgent(options)];
  for (let i = 0; i < jobs; i++)
    await running[0].queue.send({ sync: `s${i}`, trigger: 'bench', chain: [], at: Date.now() });
  for (let i = 1; i < agents; i++) running.push(await startAgent(options));
  const [claimSeconds] = await L.timed(async () => {
    openGate();
    for (const a of running) a.agent.wake();
    await all;
  });
  for (const a of running) await a.stop();
  return jobs / claimSeconds;
}

L.runMain('agent', async () => {
  const server = await startPostgres();
  L.onCleanup(() => server.stop());
  const sched = await scheduling(server.url);
  const lat = await latency(server.url);
  L.heading('claims per second (pg-boss on one Postgres, no-op runs, 4 workers per agent)');
  const JOBS = Number(process.env.BENCH_AGENT_JOBS ?? 2000);
  const one = await claims(server.url, 1, JOBS);
  const four = await claims(server.url, 4, JOBS);
  L.table(
    ['agents', 'claims/s'],
    [
      ['1', one.toFixed(0)],
      ['4', four.toFixed(0)],
    ],
  );
  L.summary('agent', [
    [`cold next fires of ${L.fmtInt(SYNCS)} syncs (in-memory cursors)`, L.fmtS(sched.cold)],
    [`reload after an apply changing ${L.fmtInt(sched.changed)}`, L.fmtS(sched.reload)],
    [`cold load, cursors in Postgres`, L.fmtS(sched.pg)],
    [`tick with nothing due (${L.fmtInt(SYNCS)} syncs)`, L.fmtS(sched.idle)],
    [`tick with ${L.fmtInt(SYNCS)} due after a week down`, L.fmtS(sched.due)],
    ['schedule RSS / heap', `${L.fmtBytes(sched.rss)} / ${L.fmtBytes(sched.heap)}`],
    [
      'next fire in a zone: croner vs cron-parser 4',
      `${sched.perFire.croner.toFixed(0)} µs vs ${sched.perFire.cronParser.toFixed(0)} µs`,
    ],
    ['webhook → run start median', `${lat.median.toFixed(1)} ms`],
    ['webhook → run start p99', `${lat.p99.toFixed(1)} ms`],
    ['claims/s 1 agent', one.toFixed(0)],
    ['claims/s 4 agents', four.toFixed(0)],
    ['claims 4/1 agents', L.fmtRatio(four / one)],
  ]);
});
