/**
 * The agent on the harness's real Postgres with pg-boss: schedules fire into the queue and run once,
 * triggers coalesce, after_sync chains run, and dbt Cloud webhooks signed with real HMAC keys queue runs
 * (forged, oversized, malformed, replayed and duplicate deliveries queue nothing). The run function is
 * injected and counts executions; the real runSync is exercised by the run engine's own suites.
 */
import pino from 'pino';
import { Writable } from 'node:stream';
import { AgentDb } from '../../../src/agent/agent-db';
import { signature } from '../../../src/agent/dbt-webhook';
import type { RunFn } from '../../../src/agent/run-fn';
import { startAgent, type RunningAgent } from '../../../src/agent/start-agent';
import { finishedRun } from '../../helpers/run-result';
import type { StateFile } from '../../../src/state/types';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';

const SECRET = 'whsec-test-0123456789abcdef';

function stateWith(syncs: Record<string, unknown>, serial = 1): StateFile {
  const resources: StateFile['resources'] = {
    'dbt_cloud.acme': {
      type: 'dbt_cloud',
      name: 'acme',
      attributes: { account_id: 1234 },
      computed: {},
      dependencies: [],
    },
  };
  for (const [name, schedule] of Object.entries(syncs))
    resources[`sync.${name}`] = {
      type: 'sync',
      name,
      attributes: { model: 'model.m', destination: 'destination.d', schedule },
      computed: {},
      dependencies: [],
    };
  return {
    format_version: 1,
    backflow_version: 't',
    lineage: `lin${Date.now()}`,
    serial,
    salt: '00',
    resources,
  };
}

interface Exec {
  sync: string;
  trigger: string;
}

function countingRun(
  execs: Exec[],
  opts: { status?: (sync: string) => string; holdMs?: number } = {},
): RunFn {
  let n = 0;
  return async (call) => {
    execs.push({ sync: call.sync, trigger: call.trigger });
    const runId = `r${++n}`;
    call.onStart(runId, false);
    if (opts.holdMs) await new Promise((r) => setTimeout(r, opts.holdMs));
    return finishedRun(call, runId, {
      accepted: { add: 3 },
      status: (opts.status?.(call.sync) ?? 'succeeded') as 'succeeded',
    });
  };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('backflow agent on Postgres', () => {
  let db: TestDatabase;
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _e, cb) {
        for (const l of chunk.toString().split('\n'))
          if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    }),
  );
  beforeAll(async () => {
    db = await createTestDatabase('agent');
  });
  afterAll(async () => {
    await db.drop();
  });

  async function agentOn(state: StateFile, runFn: RunFn, now?: () => number): Promise<RunningAgent> {
    return startAgent({
      databaseUrl: db.url,
      readState: async () => state,
      runFn,
      log,
      now,
      autoTick: false,
      pollingIntervalSeconds: 0.5,
      deferSeconds: 1,
      listen: { host: '127.0.0.1', port: 0 },
      webhookSecrets: () => [SECRET],
    });
  }

  it('schedule cursors are created, kept and reset in one statement per few thousand syncs', async () => {
    const adb = new AgentDb(db.url, 'backflow_agent_cursor_test');
    try {
      await adb.migrate();
      const store = adb.cursors('ws-cursors');
      const many = Array.from({ length: 12_000 }, (_, i) => ({ sync: `s${i}`, key: `periodic ${i % 7}h` }));
      const first = await store.ensureAll(many, 1000);
      expect(first.size).toBe(12_000);
      expect(first.get('s11998')).toEqual({ key: 'periodic 0h', last: 1000 });
      expect(await store.claim('s1', 'periodic 1h', 5000, async () => undefined)).toBe(true);
      expect(await store.claim('s2', 'periodic 2h', 5000, async () => undefined)).toBe(true);
      // s1 kept its schedule (its cursor stays), s2 changed (reset to now), `new` is created.
      const again = await store.ensureAll(
        [
          { sync: 's1', key: 'periodic 1h' },
          { sync: 's2', key: 'cron 0 * * * * UTC' },
          { sync: 'new', key: 'periodic 1h' },
        ],
        9000,
      );
      expect(Object.fromEntries(again)).toEqual({
        s1: { key: 'periodic 1h', last: 5000 },
        s2: { key: 'cron 0 * * * * UTC', last: 9000 },
        new: { key: 'periodic 1h', last: 9000 },
      });
      expect(await store.read('s2')).toEqual({ key: 'cron 0 * * * * UTC', last: 9000 });
    } finally {
      await adb.close();
    }
  });

  it('fires a due schedule once, coalesces triggers that arrive mid-run, and chains after_sync', async () => {
    let now = Date.parse('2026-03-01T10:05:00Z');
    const execs: Exec[] = [];
    const state = stateWith({
      hourly: { strategy: 'periodic', interval: '1h' },
      after: { strategy: 'after_sync', sync: 'sync.hourly' },
      never: { strategy: 'manual' },
    });
    const a = await agentOn(state, countingRun(execs, { holdMs: 700 }), () => now);
    try {
      expect(await a.agent.tick()).toEqual([]);
      now = Date.parse('2026-03-01T11:00:00Z');
      expect(await a.agent.tick()).toEqual(['hourly']);
      expect(await a.agent.tick()).toEqual([]);
      await until('the scheduled run', () => execs.length >= 1);
      // Mid-run: three triggers coalesce into one follow-up.
      const ids = [];
      for (let i = 0; i < 3; i++)
        ids.push(await a.agent.enqueue({ sync: 'hourly', trigger: 'manual', chain: [], at: now }));
      // A trigger claimed by an idle worker while the sync runs goes back to wait: never more than one waits.
      expect(ids.some((x) => x !== null)).toBe(true);
      expect(await a.queue.depth()).toBeLessThanOrEqual(1);
      await until('follow-up and chained runs', () => execs.length >= 4);
      await new Promise((r) => setTimeout(r, 1500));
      expect(execs.filter((e) => e.sync === 'hourly').map((e) => e.trigger)).toEqual(['schedule', 'manual']);
      expect(execs.filter((e) => e.sync === 'after').map((e) => e.trigger)).toEqual([
        'after_sync:hourly',
        'after_sync:hourly',
      ]);
      expect(execs.some((e) => e.sync === 'never')).toBe(false);
      // Every line about a run carries its id.
      const runLines = lines.filter((l) => l.msg === 'run started' || l.msg === 'run finished');
      expect(runLines.length).toBeGreaterThanOrEqual(8);
      for (const l of runLines) expect(l.run_id).toMatch(/^r\d+$/);
      const metrics = await (await fetch(`${a.http!.url}/metrics`)).text();
      expect(metrics).toMatch(/backflow_runs_total\{status="succeeded"\} 4/);
      expect(metrics).toMatch(/backflow_rows_total\{operation="add",outcome="accepted"\} 12/);
      expect(metrics).toMatch(/backflow_queue_depth 0/);
      expect((await fetch(`${a.http!.url}/healthz`)).status).toBe(200);
    } finally {
      await a.stop();
    }
  });

  it('queues runs for signed dbt Cloud job.run.completed events only, once per eventId', async () => {
    const execs: Exec[] = [];
    const state = stateWith({
      after_job: { strategy: 'dbt_cloud', dbt_cloud: 'acme', job_id: 42 },
      other_job: { strategy: 'dbt_cloud', dbt_cloud: 'dbt_cloud.acme', job_id: 43 },
    });
    const a = await agentOn(state, countingRun(execs));
    const url = `${a.http!.url}/webhooks/dbt-cloud`;
    const event = (over: Record<string, unknown> = {}, data: Record<string, unknown> = {}) =>
      JSON.stringify({
        accountId: 1234,
        webhookId: 'wsu_1',
        eventId: `wev_${Math.random().toString(36).slice(2)}`,
        timestamp: new Date().toISOString(),
        eventType: 'job.run.completed',
        webhookName: 'backflow',
        data: {
          jobId: '42',
          runId: '9001',
          projectId: '7',
          environmentId: '70',
          runStatus: 'Success',
          runStatusCode: 10,
          ...data,
        },
        ...over,
      });
    const post = (body: string, auth?: string) =>
      fetch(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          ...(auth !== undefined ? { authorization: auth } : {}),
        },
      });
    try {
      // Forged, unsigned, signed with another key: 401.
      const good = event({ eventId: 'wev_good' });
      expect((await post(good)).status).toBe(401);
      expect((await post(good, signature('another-secret', good))).status).toBe(401);
      expect((await post(good + ' ', signature(SECRET, good))).status).toBe(401);
      expect((await post(good, 'sha256=' + signature(SECRET, good))).status).toBe(401);
      // Oversized and malformed: 400.
      const big = JSON.stringify({ pad: 'x'.repeat(70_000) });
      expect((await post(big, signature(SECRET, big))).status).toBe(400);
      const notJson = '{"eventId": ';
      expect((await post(notJson, signature(SECRET, notJson))).status).toBe(400);
      const noIds = event({}, { jobId: 'forty-two' });
      expect((await post(noIds, signature(SECRET, noIds))).status).toBe(400);
      // A replay of an old event: 400.
      const old = event({ timestamp: '2026-01-01T00:00:00Z' });
      expect((await post(old, signature(SECRET, old))).status).toBe(400);
      // Ignored: other events, errored runs, jobs no sync names.
      for (const body of [
        event({ eventType: 'job.run.started' }, { runStatusCode: 3, runStatus: 'Running' }),
        event({}, { runStatusCode: 20, runStatus: 'Error' }),
        event({}, { jobId: '77' }),
        event({ accountId: 99 }),
      ]) {
        const res = await post(body, signature(SECRET, body));
        expect(res.status).toBe(200);
        expect(await res.json()).toHaveProperty('ignored');
      }
      await new Promise((r) => setTimeout(r, 1200));
      expect(execs).toEqual([]);
      // The real thing, then dbt's retries of the same event.
      const res = await post(good, signature(SECRET, good));
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ queued: ['after_job'] });
      for (let i = 0; i < 4; i++) {
        const again = await post(good, signature(SECRET, good));
        expect(again.status).toBe(200);
        expect(await again.json()).toEqual({ duplicate: 'wev_good' });
      }
      await until('the webhook run', () => execs.length >= 1);
      await new Promise((r) => setTimeout(r, 1200));
      expect(execs).toEqual([{ sync: 'after_job', trigger: 'dbt_cloud:42/9001' }]);
      const metrics = await (await fetch(`${a.http!.url}/metrics`)).text();
      expect(metrics).toMatch(/backflow_dbt_webhooks_total\{result="unauthorized"\} 4/);
      expect(metrics).toMatch(/backflow_dbt_webhooks_total\{result="duplicate"\} 4/);
      expect(metrics).toMatch(/backflow_dbt_webhooks_total\{result="queued"\} 1/);
    } finally {
      await a.stop();
    }
  });
});
