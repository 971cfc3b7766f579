/**
 * dbt Cloud through the real CLI: a link and a dbt Cloud-scheduled sync planned and applied against a real
 * Postgres and the protocol-level dbt Cloud server; the plan names the account and the job; a job deleted
 * between two plans is drift and an error naming the sync; a wrong key, an unreachable host and a
 * malformed access_url exit 1 with a clear message and leave state alone; `backflow dbt-cloud jobs`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, persistedText, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';
import { sampleWorld, startDbtCloudServer, type DbtCloudTestServer } from '../servers/dbtcloud/server';

const KEY = 'dbtc_e2e-Kq9-api-key-6020';
let db: TestDatabase;
let role: TestRole;
let server: DbtCloudTestServer;
let dir: string;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: dir, env: { ...SECRETS, DBT_CLOUD_API_KEY: KEY, ...env } });
  expect(r.output).not.toContain(KEY);
  expect(r.output).not.toMatch(/\n\s+at .+\.js:\d+/); // no stack trace
  return r;
}

function config(overrides: (c: Record<string, any>) => void = () => undefined): Record<string, any> {
  const c: Record<string, any> = {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    dbt_cloud: { main: { account_id: 1234, access_url: server.url, api_key: { env: 'DBT_CLOUD_API_KEY' } } },
    models: {
      active_users: {
        source: 'warehouse',
        name: 'Active users',
        query: 'select user_id, email from analytics.users',
        primary_key: 'user_id',
      },
    },
    destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
    syncs: {
      users_to_crm: {
        model: 'active_users',
        destination: 'crm',
        schedule: { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: 42 },
      },
    },
  };
  overrides(c);
  return c;
}

const stateText = (): string => persistedText(dir);

beforeAll(async () => {
  [db, server] = await Promise.all([
    createTestDatabase('e2e_dbt_cloud'),
    startDbtCloudServer(sampleWorld(KEY)),
  ]);
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`
    create schema analytics;
    create table analytics.users (user_id bigint primary key, email text);
    insert into analytics.users select g, 'u' || g || '@example.com' from generate_series(1, 20) g;
    grant usage on schema analytics to "${role.name}";
    grant select on all tables in schema analytics to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
  dir = scratchDir('backflow-e2e-dbtc-');
  writeConfig(dir, config());
});

afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('dbt Cloud end to end', () => {
  // No state yet, or a re-pointed host: plan contacts dbt Cloud only when trusted (see secret-endpoints-git-dbt-cloud).
  it('plans the link and the sync, naming the account, the job and its project', async () => {
    const r = await cli(['plan', '--trust-new-endpoints']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '# dbt_cloud.main will be created\n  # (dbt Cloud account 1234: "Acme Analytics")',
    );
    expect(r.stdout).toContain(
      '# sync.users_to_crm will be created\n  # (runs after dbt Cloud job 42 "Nightly build" in project "Analytics")',
    );
    expect(r.stdout).toContain('Plan: 5 to add, 0 to change, 0 to destroy.');
    const json = JSON.parse((await cli(['plan', '--trust-new-endpoints', '--json'])).stdout);
    const link = json.resource_changes.find((c: any) => c.address === 'dbt_cloud.main');
    expect(link.notes).toEqual([
      'dbt Cloud account 1234: "Acme Analytics"',
      "triggers: polling the jobs' runs (no webhook_url: dbt Cloud has nowhere to deliver)",
    ]);
    expect(link.change.after_sensitive).toEqual({ api_key: true });
  });

  it('applies, recording the account and the job, and then plans no changes', async () => {
    const r = await cli(['apply', '-auto-approve']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.');
    const state = JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
    expect(state.resources['dbt_cloud.main'].computed).toEqual({
      account_name: 'Acme Analytics',
      host: server.url,
      webhook: { mode: 'poll', reason: 'no webhook_url: dbt Cloud has nowhere to deliver', job_ids: [] },
    });
    expect(state.resources['sync.users_to_crm'].computed.dbt_cloud_job).toEqual({
      id: 42,
      name: 'Nightly build',
      project_id: 7,
      project: 'Analytics',
      state: 'active',
    });
    expect(stateText()).not.toContain(KEY);
    const again = await cli(['plan']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes. Your infrastructure matches the configuration.');
  });

  it('lists the jobs with their last run', async () => {
    const r = await cli(['dbt-cloud', 'jobs', 'main']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`dbt_cloud.main: account 1234 "Acme Analytics" at ${server.url}`);
    expect(r.stdout).toMatch(
      / 42 +\| Nightly build +\| Analytics +\| Production +\| running \(run 1004\) +\| -/,
    );
    expect(r.stdout).toMatch(/ 43 +\| Hourly refresh .*\| success \(run 1003\) +\| 2026-01-02T04:00:00Z/);
    expect(r.stdout).toMatch(/ 50 +\| Finance daily .*\| never run/);
    const json = JSON.parse((await cli(['dbt-cloud', 'jobs', 'main', '--json'])).stdout);
    expect(json.account).toEqual({ id: 1234, name: 'Acme Analytics' });
    expect(json.jobs.find((j: any) => j.id === 43)).toEqual({
      id: 43,
      name: 'Hourly refresh',
      project_id: 7,
      project: 'Analytics',
      environment_id: 70,
      environment: 'Production',
      last_run: { id: 1003, status: 'success', status_code: 10, finished_at: '2026-01-02T04:00:00Z' },
    });
    const unknown = await cli(['dbt-cloud', 'jobs', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /No dbt_cloud link "nope" in the configuration[\s\S]*dbt Cloud links: main/,
    );
  });

  it('a job deleted between two plans: drift, and an error naming the sync', async () => {
    const before = stateText();
    server.world.jobs.find((j) => j.id === 42)!.state = 2;
    try {
      const r = await cli(['plan']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('Objects have changed outside of Backflow');
      expect(r.stdout).toMatch(/# sync\.users_to_crm has changed[\s\S]*~ state += "active" -> "deleted"/);
      expect(r.output).toContain(
        'sync.users_to_crm: dbt Cloud job 42 ("Nightly build") was deleted in dbt Cloud, and the sync is active',
      );
      expect(r.output).toMatch(/Hourly refresh \(id 43\)/);
      const applied = await cli(['apply', '-auto-approve']);
      expect(applied.code).toBe(1);
      expect(stateText()).toBe(before);

      // The way out: disable the sync. The deletion is then a warning, and apply records it.
      writeConfig(
        dir,
        config((c) => (c.syncs.users_to_crm.enabled = false)),
      );
      const disabled = await cli(['apply', '-auto-approve']);
      expect(disabled.code).toBe(0);
      expect(disabled.output).toMatch(
        /Warning: sync\.users_to_crm: dbt Cloud job 42 .* the sync is disabled/,
      );
      const state = JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
      expect(state.resources['sync.users_to_crm'].computed).toMatchObject({
        status: 'disabled',
        dbt_cloud_job: { id: 42, state: 'deleted' },
      });
    } finally {
      server.world.jobs.find((j) => j.id === 42)!.state = 1;
      writeConfig(dir, config());
    }
    // Pointing at another job and enabling the sync again.
    writeConfig(
      dir,
      config((c) => (c.syncs.users_to_crm.schedule.job_id = 43)),
    );
    const moved = await cli(['apply', '-auto-approve']);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toContain('runs after dbt Cloud job 43 "Hourly refresh" in project "Analytics"');
  });

  it('a wrong key: exit 1, named as rejected, state unchanged', async () => {
    const before = stateText();
    const r = await cli(['plan'], { DBT_CLOUD_API_KEY: 'dbtc_wrong-key-0000' });
    expect(r.code).toBe(1);
    expect(r.output).toContain(
      `dbt_cloud.main: the API key was rejected by dbt Cloud at ${server.url} (HTTP 401)`,
    );
    expect(r.output).not.toContain('dbtc_wrong-key-0000');
    expect((await cli(['apply', '-auto-approve'], { DBT_CLOUD_API_KEY: 'dbtc_wrong-key-0000' })).code).toBe(
      1,
    );
    expect(stateText()).toBe(before);
  });

  it('a rotated key shows as (sensitive value changed)', async () => {
    server.world.keys.set('dbtc_rotated-key-1111', [1234]);
    const r = await cli(['plan'], { DBT_CLOUD_API_KEY: 'dbtc_rotated-key-1111' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# dbt_cloud.main will be updated in-place');
    expect(r.stdout).toContain('~ api_key = (sensitive value changed)');
    expect(r.output).not.toContain('dbtc_rotated-key-1111');
  });

  it('an unreachable host and a malformed access_url: exit 1, naming the URL or the field', async () => {
    const before = stateText();
    const port = await closedPort();
    writeConfig(
      dir,
      config((c) => (c.dbt_cloud.main.access_url = `http://127.0.0.1:${port}`)),
    );
    const down = await cli(['plan', '--trust-new-endpoints']);
    expect(down.code).toBe(1);
    expect(down.output).toContain(
      `dbt_cloud.main: cannot reach dbt Cloud at http://127.0.0.1:${port} (connection refused)`,
    );

    writeConfig(
      dir,
      config((c) => (c.dbt_cloud.main.access_url = 'https://cloud.getdbt.com/deploy/1234')),
    );
    const bad = await cli(['plan']);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('dbt_cloud.main: access_url must be the host only');
    expect(bad.output).toContain('$.dbt_cloud.main.access_url');
    writeConfig(
      dir,
      config((c) => (c.syncs.users_to_crm.schedule.job_id = 43)),
    );
    expect(stateText()).toBe(before);
    expect(existsSync(join(dir, '.backflow', 'state.json.lock'))).toBe(false);
  });
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
