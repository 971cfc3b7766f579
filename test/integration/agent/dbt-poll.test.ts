/**
 * The polling fallback on the harness's real Postgres with pg-boss, against the protocol-level dbt Cloud
 * server: a link in poll mode starts its syncs once per new successful dbt Cloud run (not for failed or
 * cancelled ones, not for runs from before the agent watched, not for a run still in progress until it
 * finishes), never twice across agent restarts, and never twice for a run both delivered by webhook and
 * polled. The run function is injected and counts executions.
 */
import pino from 'pino';
import { Writable } from 'node:stream';
import { DbtCloudClient } from '../../../src/adapters/dbtcloud';
import { signature } from '../../../src/agent/dbt-webhook';
import type { RunFn } from '../../../src/agent/run-fn';
import { startAgent, type RunningAgent } from '../../../src/agent/start-agent';
import { finishedRun } from '../../helpers/run-result';
import type { StateFile } from '../../../src/state/types';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';
import {
  run,
  sampleWorld,
  startDbtCloudServer,
  type DbtCloudTestServer,
} from '../../servers/dbtcloud/server';

const KEY = 'dbtc_poll-test-key-5512';
const SECRET = 'whsec-poll-test-0123456789';

function stateWith(mode: 'poll' | 'webhook'): StateFile {
  const sync = (name: string, job: number) => ({
    type: 'sync' as const,
    name,
    attributes: {
      model: 'model.m',
      destination: 'destination.d',
      schedule: { strategy: 'dbt_cloud', dbt_cloud: 'acme', job_id: job },
    },
    computed: {},
    dependencies: ['dbt_cloud.acme'],
  });
  return {
    format_version: 1,
    backflow_version: 't',
    lineage: `poll-${mode}`,
    serial: 1,
    salt: '00',
    resources: {
      'dbt_cloud.acme': {
        type: 'dbt_cloud',
        name: 'acme',
        attributes: { account_id: 1234 },
        computed: {
          webhook:
            mode === 'poll'
              ? { mode: 'poll', reason: 'test', job_ids: [] }
              : { mode: 'webhook', reason: 'test', job_ids: [42], id: 'wsu_test', url: 'http://x' },
        },
        dependencies: [],
      },
      'sync.after_nightly': sync('after_nightly', 42),
      'sync.also_nightly': sync('also_nightly', 42),
      'sync.after_hourly': sync('after_hourly', 43),
    },
  };
}

function countingRun(execs: string[]): RunFn {
  let n = 0;
  return async (call) => {
    execs.push(`${call.sync} ${call.trigger}`);
    const runId = `r${++n}`;
    call.onStart(runId, false);
    return finishedRun(call, runId);
  };
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dbt Cloud polling fallback', () => {
  let db: TestDatabase;
  let server: DbtCloudTestServer;
  const silent = pino({ level: 'silent' }, new Writable({ write: (_c, _e, cb) => cb() }));
  beforeAll(async () => {
    [db, server] = await Promise.all([
      createTestDatabase('agent_poll'),
      startDbtCloudServer(sampleWorld(KEY)),
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  function agentOn(
    state: StateFile,
    execs: string[],
    now?: () => number,
    apiKey = KEY,
  ): Promise<RunningAgent> {
    const client = new DbtCloudClient({ account_id: 1234, access_url: server.url, api_key: apiKey });
    return startAgent({
      databaseUrl: db.url,
      readState: async () => state,
      runFn: countingRun(execs),
      log: silent,
      autoTick: false,
      now,
      pollingIntervalSeconds: 0.5,
      deferSeconds: 1,
      listen: { host: '127.0.0.1', port: 0 },
      webhookSecrets: () => [SECRET],
      dbtCloudClient: () => client,
      dbtPollMs: 60_000,
      dbtCatchUpMs: 600_000,
    });
  }

  it('starts syncs once per new successful run, across restarts, and never for failed ones', async () => {
    const execs: string[] = [];
    const state = stateWith('poll');
    let a = await agentOn(state, execs);
    try {
      // First look: 1001 (success), 1002 (error) are history; 1004 (job 42) is still running.
      expect(await a.poller!.tick(true)).toEqual([]);
      const polls = server.requests.filter((r) => r.path === '/api/v2/accounts/1234/runs/');
      expect(polls.map((r) => [r.query.job_definition_id, r.query.order_by])).toEqual([
        ['42', '-id'],
        ['43', '-id'],
      ]);
      expect(await a.poller!.tick(true)).toEqual([]);
      // 1004 finishes successfully; 1005 fails; 1006 is cancelled; 1007 (job 43) succeeds.
      server.world.runs.find((r) => r.id === 1004)!.status = 10;
      server.world.runs.push(
        run(1005, 42, 20, '2026-01-03 03:00:00.000000+00:00'),
        run(1006, 42, 30, '2026-01-03 04:00:00.000000+00:00'),
        run(1007, 43, 10, '2026-01-03 05:00:00.000000+00:00'),
      );
      expect((await a.poller!.tick(true)).sort()).toEqual(['after_hourly', 'after_nightly', 'also_nightly']);
      expect(await a.poller!.tick(true)).toEqual([]);
      await until('three runs', () => execs.length >= 3);
      expect(execs.sort()).toEqual([
        'after_hourly dbt_cloud:43/1007',
        'after_nightly dbt_cloud:42/1004',
        'also_nightly dbt_cloud:42/1004',
      ]);
      // Not due yet: the poll interval (60 s) has not passed since the forced tick.
      expect(await a.poller!.tick()).toEqual([]);
    } finally {
      await a.stop();
    }

    // A run in progress holds the cursor back; it fires when it finishes, after a restart too.
    server.world.runs.push(run(1008, 42, 3, null), run(1009, 42, 10, '2026-01-03 07:00:00.000000+00:00'));
    a = await agentOn(state, execs);
    try {
      expect(await a.poller!.tick(true)).toEqual([]);
      server.world.runs.find((r) => r.id === 1008)!.status = 10;
      expect((await a.poller!.tick(true)).sort()).toEqual([
        'after_nightly',
        'after_nightly',
        'also_nightly',
        'also_nightly',
      ]);
    } finally {
      await a.stop();
    }
    // A third agent on the same database fires nothing: every run was handled.
    a = await agentOn(state, execs);
    try {
      expect(await a.poller!.tick(true)).toEqual([]);
    } finally {
      await a.stop();
    }
  });

  it('a run delivered by webhook and then polled (and the reverse) starts its syncs once', async () => {
    const execs: string[] = [];
    const a = await agentOn(stateWith('webhook'), execs);
    const post = (runId: number) => {
      const body = JSON.stringify({
        accountId: 1234,
        webhookId: 'wsu_test',
        eventId: `wev_${runId}`,
        timestamp: new Date().toISOString(),
        eventType: 'job.run.completed',
        webhookName: 'backflow',
        data: { jobId: '42', runId: String(runId), runStatus: 'Success', runStatusCode: 10 },
      });
      return fetch(`${a.http!.url}/webhooks/dbt-cloud`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: signature(SECRET, body) },
      });
    };
    try {
      expect(await a.poller!.tick(true)).toEqual([]); // watching from here
      server.world.runs.push(run(1010, 42, 10, '2026-01-04 03:00:00.000000+00:00'));
      const res = await post(1010);
      expect(res.status).toBe(202);
      // The catch-up poll sees 1010 too: already started by the webhook.
      expect(await a.poller!.tick(true)).toEqual([]);
      // Missed webhook: the catch-up poll starts the syncs, and a late delivery is a duplicate.
      server.world.runs.push(run(1011, 42, 10, '2026-01-04 04:00:00.000000+00:00'));
      expect((await a.poller!.tick(true)).sort()).toEqual(['after_nightly', 'also_nightly']);
      const late = await post(1011);
      expect(late.status).toBe(200);
      expect(await late.json()).toEqual({ duplicate: 'wev_1011' });
      await until('four runs', () => execs.length >= 4);
      await new Promise((r) => setTimeout(r, 1200));
      expect(execs.sort()).toEqual([
        'after_nightly dbt_cloud:42/1010',
        'after_nightly dbt_cloud:42/1011',
        'also_nightly dbt_cloud:42/1010',
        'also_nightly dbt_cloud:42/1011',
      ]);
    } finally {
      await a.stop();
    }
  });

  it('counts polls, failed polls and the last clean poll of each link on /metrics', async () => {
    const metric = async (a: RunningAgent, name: string) => {
      const text = await (await fetch(`${a.http!.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name}{link="acme",mode="poll"}`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    let clock = Date.parse('2026-06-01T12:00:00Z');
    let a = await agentOn(stateWith('poll'), [], () => clock);
    try {
      expect(await metric(a, 'backflow_dbt_cloud_polls_total')).toBeUndefined();
      await a.poller!.tick(true);
      clock += 90_000;
      await a.poller!.tick(true);
      // Two jobs (42, 43) per poll.
      expect(await metric(a, 'backflow_dbt_cloud_polls_total')).toBe(4);
      expect(await metric(a, 'backflow_dbt_cloud_poll_errors_total')).toBeUndefined();
      expect(await metric(a, 'backflow_dbt_cloud_last_poll_timestamp_seconds')).toBe(clock / 1000);
    } finally {
      await a.stop();
    }
    // A key dbt Cloud refuses: every read fails, and no clean poll is recorded.
    a = await agentOn(stateWith('poll'), [], () => clock, 'dbtc_revoked-key-0000');
    try {
      await a.poller!.tick(true);
      expect(await metric(a, 'backflow_dbt_cloud_polls_total')).toBe(2);
      expect(await metric(a, 'backflow_dbt_cloud_poll_errors_total')).toBe(2);
      expect(await metric(a, 'backflow_dbt_cloud_last_poll_timestamp_seconds')).toBeUndefined();
    } finally {
      await a.stop();
    }
  });
});
