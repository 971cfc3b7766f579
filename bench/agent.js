'use strict';
/**
 * The agent: scheduling overhead for 10,000 active syncs on one agent (time to compute every next fire,
 * a tick with nothing due, a tick with everything due; heap), trigger latency from webhook receipt to run
 * start on loopback (median, p99, with real HMAC-signed dbt Cloud events), and claims per second with 1
 * and 4 agents on one Postgres (pg-boss; a no-op run function, so the queue is what is measured).
 * The 4 agents run in this one process, each with its own pg-boss and pool, so the figure is a floor.
 */
const { setTimeout } = require('node:timers');
const L = require('./lib');
const { startPostgres } = require('../test/helpers/postgres-server');

const { workspaceSyncs } = L.dist('agent/workspace-syncs');
const { Scheduler, MemoryCursorStore } = L.dist('agent/scheduler');
const { startAgent } = L.dist('agent/start-agent');
const { signature } = L.dist('agent/dbt-webhook');
const { zeroCounts } = L.dist('adapters/warehouse/tracking');
const pino = require('pino');

// BENCH_AGENT_SYNCS scales the scheduling part down on a loaded machine (the figure is 10,000).
const SYNCS = Number(process.env.BENCH_AGENT_SYNCS ?? 10_000);
const TIME_SCHEDULES = [
  { strategy: 'periodic', interval: '1h' },
  { strategy: 'cron', expression: '0 */2 * * *', timezone: 'UTC' },
  { strategy: 'specific_days', days: ['mon', 'thu'], hours: [6, 18], timezone: 'Europe/Berlin' },
  { strategy: 'periodic', interval: '15m' },
  { strategy: 'cron', expression: '30 6 * * 1-5', timezone: 'America/New_York' },
];

function stateOf(n, scheduleOf, lineage = 'bench') {
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
      attributes: { model: 'model.m', destination: 'destination.d', schedule: scheduleOf(i) },
      computed: {},
      dependencies: [],
    };
  return { format_version: 1, backflow_version: 'bench', lineage, serial: 1, salt: '00', resources };
}

function fakeRun(onStart) {
  let n = 0;
  return async (call) => {
    const runId = `r${++n}`;
    call.onStart(runId, false);
    onStart?.(call);
    const t = new Date().toISOString();
    return {
      run: {
        runId,
        sync: call.sync,
        trigger: call.trigger,
        status: 'succeeded',
        startedAt: t,
        finishedAt: t,
        planned: zeroCounts(),
        accepted: zeroCounts(),
        rejected: zeroCounts(),
        nullKeys: 0,
        duplicateKeys: 0,
        error: null,
      },
      resumed: false,
      stopped: false,
    };
  };
}

async function scheduling() {
  L.heading(`scheduling ${L.fmtInt(SYNCS)} active syncs on one agent`);
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const state = stateOf(SYNCS, (i) => TIME_SCHEDULES[i % TIME_SCHEDULES.length]);
  let now = Date.parse('2026-03-02T10:07:00Z');
  const fired = [];
  const scheduler = new Scheduler({
    store: new MemoryCursorStore(),
    now: () => now,
    fire: async (s) => void fired.push(s),
  });
  const [loadSeconds] = await L.timed(async () => scheduler.load(workspaceSyncs(state)));
  globalThis.gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  const idle = [];
  for (let i = 0; i < 20; i++) idle.push((await L.timed(() => scheduler.tick()))[0]);
  now = Date.parse('2026-03-05T23:59:00Z'); // every sync has a slot due
  const [dueSeconds] = await L.timed(() => scheduler.tick());
  const heapPerSync = (heap1 - heap0) / SYNCS;
  console.log(
    L.table(
      ['step', 'time'],
      [
        ['read state + compute every next fire', L.fmtS(loadSeconds)],
        ['tick, nothing due (median of 20)', L.fmtS(L.median(idle))],
        [`tick, all ${L.fmtInt(fired.length)} due (claim + next fire each)`, L.fmtS(dueSeconds)],
      ],
    ),
  );
  console.log(
    `heap for the schedules: ${L.fmtBytes(heap1 - heap0)} (${L.fmtBytes(heapPerSync)} per sync)${globalThis.gc ? '' : ' (run with --expose-gc for a steadier figure)'}`,
  );
  return { load: loadSeconds, idle: L.median(idle), due: dueSeconds, heap: heap1 - heap0 };
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
  console.log(
    L.table(
      ['events', 'median', 'p99', 'max'],
      [[String(N), `${p(0.5).toFixed(1)} ms`, `${p(0.99).toFixed(1)} ms`, `${samples.at(-1).toFixed(1)} ms`]],
    ),
  );
  return { median: p(0.5), p99: p(0.99) };
}

async function claims(url, agents, jobs) {
  const lineage = `claims${agents}`;
  const state = stateOf(jobs, () => ({ strategy: 'manual' }), lineage);
  let done = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  const running = [];
  for (let i = 0; i < agents; i++)
    running.push(
      await startAgent({
        databaseUrl: url,
        readState: async () => state,
        runFn: fakeRun(() => ++done === jobs && resolveAll()),
        log: pino({ level: 'silent' }),
        autoTick: false,
        concurrency: 4,
        pollingIntervalSeconds: 0.5,
      }),
    );
  // Queue everything first (one agent), then time the claiming.
  for (let i = 0; i < jobs; i++)
    await running[0].queue.send({ sync: `s${i}`, trigger: 'bench', chain: [], at: Date.now() });
  const [claimSeconds] = await L.timed(async () => {
    for (const a of running) a.agent.wake();
    await all;
  });
  for (const a of running) await a.stop();
  return jobs / claimSeconds;
}

L.runMain('agent', async () => {
  const sched = await scheduling();
  const server = await startPostgres();
  L.onCleanup(() => server.stop());
  const lat = await latency(server.url);
  L.heading('claims per second (pg-boss on one Postgres, no-op runs, 4 workers per agent)');
  const JOBS = Number(process.env.BENCH_AGENT_JOBS ?? 2000);
  const one = await claims(server.url, 1, JOBS);
  const four = await claims(server.url, 4, JOBS);
  console.log(
    L.table(
      ['agents', 'claims/s'],
      [
        ['1', one.toFixed(0)],
        ['4', four.toFixed(0)],
      ],
    ),
  );
  L.summary('agent', [
    [`next fires of ${L.fmtInt(SYNCS)} syncs`, L.fmtS(sched.load)],
    [`tick with nothing due (${L.fmtInt(SYNCS)} syncs)`, L.fmtS(sched.idle)],
    [`tick with ${L.fmtInt(SYNCS)} due (in-memory cursors)`, L.fmtS(sched.due)],
    ['schedule heap per sync', L.fmtBytes(sched.heap / SYNCS)],
    ['webhook → run start median', `${lat.median.toFixed(1)} ms`],
    ['webhook → run start p99', `${lat.p99.toFixed(1)} ms`],
    ['claims/s 1 agent', one.toFixed(0)],
    ['claims/s 4 agents', four.toFixed(0)],
    ['claims 4/1 agents', L.fmtRatio(four / one)],
  ]);
});
