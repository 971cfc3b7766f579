/**
 * The dbt Cloud webhook subscription as part of a `dbt_cloud` link, through the real CLI against a real
 * Postgres and the protocol-level dbt Cloud server: apply creates it when a sync runs after a job, updates
 * its job_ids when that set changes, deletes it when no sync needs it; the plan says so and says which
 * mode the link uses and why. The HMAC secret dbt Cloud returns goes to the agent database only: it is
 * searched for in every plan, every output, the state and .backflow, and never found; an agent on that
 * database verifies the server's signed deliveries with it. A key without webhook permission (403) makes
 * the link poll, and the plan says so; trigger_mode "webhook" then is a plan error.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import pino from 'pino';
import type { RunFn } from '../../src/agent/run-fn';
import { startAgent } from '../../src/agent/start-agent';
import { finishedRun } from '../helpers/run-result';
import type { StateFile } from '../../src/state/types';
import { runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, persistedText, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';
import { run, sampleWorld, startDbtCloudServer, type DbtCloudTestServer } from '../servers/dbtcloud/server';

const KEY = 'dbtc_e2e-webhooks-key-7781';
const READ_ONLY = 'dbtc_e2e-read-only-key-4432';
let db: TestDatabase;
let role: TestRole;
let server: DbtCloudTestServer;
let dir: string;
let port: number;
/** Every CLI output and plan file of the test, searched for the secrets at the end. */
const seen: string[] = [];
/** Every hmac_secret dbt Cloud handed out. */
const secrets = new Set<string>();

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await runCli(args, {
    cwd: dir,
    env: { ...SECRETS, DBT_CLOUD_API_KEY: KEY, BACKFLOW_AGENT_DATABASE_URL: db.url, ...env },
  });
  seen.push(r.output);
  for (const s of server.world.webhooks ?? []) secrets.add(s.hmac_secret);
  expect(r.output).not.toContain(KEY);
  expect(r.output).not.toMatch(/\n\s+at .+\.js:\d+/);
  return r;
}

function config(
  jobs: Record<string, number | null>,
  link: Record<string, unknown> = {},
): Record<string, any> {
  const syncs: Record<string, unknown> = {};
  for (const [name, job] of Object.entries(jobs))
    syncs[name] = {
      model: 'active_users',
      destination: 'crm',
      schedule:
        job === null ? { strategy: 'manual' } : { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: job },
    };
  return {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    dbt_cloud: {
      main: {
        account_id: 1234,
        access_url: server.url,
        api_key: { env: 'DBT_CLOUD_API_KEY' },
        webhook_url: `http://127.0.0.1:${port}/webhooks/dbt-cloud`,
        ...link,
      },
    },
    models: {
      active_users: {
        source: 'warehouse',
        name: 'Active users',
        query: 'select user_id, email from analytics.users',
        primary_key: 'user_id',
      },
    },
    destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
    syncs,
  };
}

const state = (): StateFile => JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
const storedSecrets = async (): Promise<{ subscription_id: string; secret: string }[]> =>
  (await db.query('select subscription_id, secret from backflow_agent.dbt_webhook_secret order by 1')) as {
    subscription_id: string;
    secret: string;
  }[];

beforeAll(async () => {
  [db, server] = await Promise.all([
    createTestDatabase('e2e_dbt_webhooks'),
    startDbtCloudServer(sampleWorld(KEY)),
  ]);
  server.world.keys.set(READ_ONLY, [1234]);
  server.world.webhookKeys = new Set([KEY]);
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`
    create schema analytics;
    create table analytics.users (user_id bigint primary key, email text);
    grant usage on schema analytics to "${role.name}";
    grant select on all tables in schema analytics to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
  port = await freePort();
  dir = scratchDir('backflow-e2e-dbtc-wh-');
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('dbt Cloud webhook subscription', () => {
  it('is created by apply for a sync after a job; its secret goes to the agent database only', async () => {
    writeConfig(dir, config({ nightly: 42 }));
    const plan = await cli(['plan', '-out', 'create.plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      `# (triggers: webhook (dbt Cloud delivers to http://127.0.0.1:${port}/webhooks/dbt-cloud))`,
    );
    expect(plan.stdout).toContain('# (webhook: create subscription for job_ids [42] (id known after apply))');
    const applied = await cli(['apply', 'create.plan']);
    expect(applied.code).toBe(0);
    expect(server.world.webhooks).toHaveLength(1);
    const sub = server.world.webhooks![0];
    expect(sub).toMatchObject({
      name: 'Backflow dbt_cloud.main',
      client_url: `http://127.0.0.1:${port}/webhooks/dbt-cloud`,
      event_types: ['job.run.completed'],
      job_ids: [42],
      active: true,
    });
    expect(state().resources['dbt_cloud.main'].computed.webhook).toEqual({
      mode: 'webhook',
      reason: `dbt Cloud delivers to http://127.0.0.1:${port}/webhooks/dbt-cloud`,
      job_ids: [42],
      id: sub.id,
      url: `http://127.0.0.1:${port}/webhooks/dbt-cloud`,
    });
    expect(await storedSecrets()).toEqual([{ subscription_id: sub.id, secret: sub.hmac_secret }]);
    const again = await cli(['plan']);
    expect(again.stdout).toContain('No changes. Your infrastructure matches the configuration.');
  });

  it('updates job_ids when the set of jobs changes, keeping the subscription and its secret', async () => {
    const id = server.world.webhooks![0].id;
    writeConfig(dir, config({ nightly: 42, hourly: 43, hourly_too: 43 }));
    const plan = await cli(['plan']);
    expect(plan.stdout).toContain('# dbt_cloud.main will be updated in-place');
    expect(plan.stdout).toContain('# (webhook: job_ids [42] -> [42,43])');
    const json = JSON.parse((await cli(['plan', '--json'])).stdout);
    const link = json.resource_changes.find((c: any) => c.address === 'dbt_cloud.main');
    expect(link.notes).toContain('webhook: job_ids [42] -> [42,43]');
    expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
    expect(server.world.webhooks!.map((s) => [s.id, s.job_ids])).toEqual([[id, [42, 43]]]);
    expect(state().resources['dbt_cloud.main'].computed.webhook).toMatchObject({ id, job_ids: [42, 43] });
    expect((await storedSecrets()).map((s) => s.subscription_id)).toEqual([id]);
  });

  it('an agent on the database verifies dbt Cloud deliveries with the kept secret', async () => {
    const execs: string[] = [];
    const runFn: RunFn = async (call) => {
      execs.push(`${call.sync} ${call.trigger}`);
      call.onStart(`r${execs.length}`, false);
      return finishedRun(call, `r${execs.length}`);
    };
    const logged: string[] = [];
    const a = await startAgent({
      databaseUrl: db.url,
      readState: async () => state(),
      runFn,
      log: pino(new Writable({ write: (c, _e, cb) => (logged.push(String(c)), cb()) })),
      autoTick: false,
      pollingIntervalSeconds: 0.5,
      listen: { host: '127.0.0.1', port },
    });
    try {
      // dbt Cloud delivers (and retries) a success of job 43; a failure of job 42 starts nothing.
      const ok = await server.deliver(run(3001, 43, 10, '2026-02-01 03:00:00.000000+00:00'), 3);
      expect(ok.map((d) => d.status)).toEqual([202, 200, 200]);
      const failed = await server.deliver(run(3002, 42, 20, '2026-02-01 04:00:00.000000+00:00'));
      expect(failed.map((d) => d.status)).toEqual([200]);
      const end = Date.now() + 20_000;
      while (execs.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1000));
      expect(execs.sort()).toEqual(['hourly dbt_cloud:43/3001', 'hourly_too dbt_cloud:43/3001']);
      seen.push(logged.join(''));
    } finally {
      await a.stop();
    }
  });

  it('is deleted when no sync runs after a dbt Cloud job any more', async () => {
    const id = server.world.webhooks![0].id;
    writeConfig(dir, config({ nightly: null, hourly: null, hourly_too: null }));
    const plan = await cli(['plan']);
    expect(plan.stdout).toContain(`# (webhook: delete subscription ${id} (job_ids [42,43]))`);
    expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
    expect(server.world.webhooks).toEqual([]);
    expect(await storedSecrets()).toEqual([]);
    expect(state().resources['dbt_cloud.main'].computed.webhook).toEqual({
      mode: 'webhook',
      reason: `dbt Cloud delivers to http://127.0.0.1:${port}/webhooks/dbt-cloud`,
      job_ids: [],
    });
  });

  it('-replace rotates the secret: a new subscription, the old one and its secret gone', async () => {
    writeConfig(dir, config({ nightly: 42 }));
    expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
    const [old] = server.world.webhooks!;
    const r = await cli(['apply', '-auto-approve', '-replace=dbt_cloud.main']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/webhook: replace subscription wsu_\S+ \(new HMAC secret/);
    const [now] = server.world.webhooks!;
    expect(server.world.webhooks).toHaveLength(1);
    expect(now.id).not.toBe(old.id);
    expect(await storedSecrets()).toEqual([{ subscription_id: now.id, secret: now.hmac_secret }]);
  });

  it('a key without webhook permission (403): the link polls, and the plan says why', async () => {
    const r = await cli(['plan'], { DBT_CLOUD_API_KEY: READ_ONLY });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "# (triggers: polling the jobs' runs (the API key may not manage webhooks (HTTP 403 from the v3 webhooks API)))",
    );
    expect(r.stdout).toMatch(/# \(webhook: delete subscription wsu_\S+ \(job_ids \[42\]\)\)/);
    const json = JSON.parse((await cli(['plan', '--json'], { DBT_CLOUD_API_KEY: READ_ONLY })).stdout);
    const link = json.resource_changes.find((c: any) => c.address === 'dbt_cloud.main');
    expect(link.notes).toContain(
      "triggers: polling the jobs' runs (the API key may not manage webhooks (HTTP 403 from the v3 webhooks API))",
    );
    writeConfig(dir, config({ nightly: 42 }, { trigger_mode: 'webhook' }));
    const strict = await cli(['plan'], { DBT_CLOUD_API_KEY: READ_ONLY });
    expect(strict.code).toBe(1);
    expect(strict.output).toContain(
      'dbt_cloud.main: the API key may not manage webhooks, and trigger_mode is "webhook"',
    );
    expect(strict.output).toContain('Webhooks Only');
    writeConfig(dir, config({ nightly: 42 }, { trigger_mode: 'poll' }));
    const poll = await cli(['apply', '-auto-approve'], { DBT_CLOUD_API_KEY: READ_ONLY });
    expect(poll.code).toBe(0);
    expect(poll.stdout).toContain(`# (triggers: polling the jobs' runs (trigger_mode is "poll"))`);
    expect(state().resources['dbt_cloud.main'].computed.webhook).toEqual({
      mode: 'poll',
      reason: 'trigger_mode is "poll"',
      job_ids: [],
    });
  });

  it('no secret dbt Cloud handed out is in any plan, output, log, state or .backflow file', () => {
    for (const s of server.world.webhooks ?? []) secrets.add(s.hmac_secret);
    expect(secrets.size).toBeGreaterThanOrEqual(2);
    const everything = [...seen, persistedText(dir, [join(dir, 'create.plan')])].join('\n');
    expect(everything).toContain('wsu_'); // the search covers what mentions the subscriptions
    for (const s of secrets) expect(everything).not.toContain(s);
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}
