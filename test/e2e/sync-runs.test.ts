/**
 * Sync runs as a user runs them: the real CLI applies a workspace, then `sync run` delivers to a webhook
 * receiver on loopback; `runs list` and `runs show` read the ledger; kill -9 at random points of runs
 * never loses a change and never marks an unsent row as sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, persistedText, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';
import { startWebhookServer, type WebhookServer } from '../servers/webhook/webhook-server';

let db: TestDatabase;
let role: TestRole;
let dir: string;
let hook: WebhookServer;
const outputs: string[] = [];
const SIGNING = 'sign-Kq2-webhook-secret-9876';

beforeAll(async () => {
  db = await createTestDatabase('e2e_runs');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`create schema app`);
  await db.query(`create table app.users (id int primary key, email text not null, plan text)`);
  await db.query(
    `insert into app.users select g, 'user' || g || '@example.com', case when g % 3 = 0 then 'pro' else 'free' end from generate_series(1, 500) g`,
  );
  await db.query(
    `grant usage on schema app to ${role.name}; grant select on all tables in schema app to ${role.name}`,
  );
  await db.query(`grant create on database ${db.name} to ${role.name}`);
  hook = await startWebhookServer({ signingSecret: SIGNING, authorization: `Bearer ${SECRETS.CRM_TOKEN}` });
  dir = scratchDir('backflow-runs-');
  writeConfig(dir, {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    models: {
      users: {
        source: 'warehouse',
        name: 'Users',
        query: 'select id, email, plan from app.users',
        primary_key: 'id',
      },
    },
    destinations: {
      crm: {
        type: 'webhook',
        url: hook.url,
        headers: { Authorization: { env: 'CRM_BEARER' } },
        signing_secret: { env: 'HOOK_SIGNING' },
        batch_size: 50,
      },
    },
    syncs: {
      users_to_crm: {
        model: 'users',
        destination: 'crm',
        mode: 'mirror',
        mapping: { email: 'email', plan: 'plan' },
      },
    },
  });
  process.env.CRM_BEARER = `Bearer ${SECRETS.CRM_TOKEN}`;
}, 60000);

afterAll(async () => {
  await hook?.close();
  await db?.drop();
});

const env = () => ({ ...SECRETS, HOOK_SIGNING: SIGNING, CRM_BEARER: `Bearer ${SECRETS.CRM_TOKEN}` });
const run = async (args: string[]) => {
  const r = await runCli(args, { cwd: dir, env: env() });
  outputs.push(r.output);
  return r;
};

async function tableState(): Promise<Map<string, Record<string, unknown>>> {
  const rows = await db.query<{ id: number; email: string; plan: string | null }>(
    `select id, email, plan from app.users`,
  );
  return new Map(rows.map((r) => [String(r.id), { email: r.email, plan: r.plan }]));
}

describe('backflow sync run', () => {
  it('applies the workspace (tracking tables created with the sync)', async () => {
    const r = await run(['apply', '-auto-approve']);
    expect(r.code).toBe(0);
    const tables = await db.query<{ t: string }>(
      `select table_name as t from information_schema.tables where table_schema = '__segment_reverse_etl' order by 1`,
    );
    expect(tables.map((t) => t.t)).toEqual(
      expect.arrayContaining(['backflow_runs', 'records_users_to_crm', 'rejections_users_to_crm']),
    );
  });

  it('--dry-run shows what would be sent and sends nothing', async () => {
    const r = await run(['sync', 'run', 'users_to_crm', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Planned: 500 added, 0 changed, 0 removed, 0 retried.');
    expect(r.stdout).toContain('user1@example.com');
    expect(hook.requests).toBe(0);
  });

  it('the first run delivers every row, signed, and says so', async () => {
    const r = await run(['sync', 'run', 'users_to_crm']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Run run_\S+ of sync.users_to_crm: succeeded/);
    expect(r.stdout).toContain('accepted: 500 added, 0 changed, 0 removed, 0 retried');
    expect(hook.badSignatures).toBe(0);
    expect(hook.current()).toEqual(await tableState());
  });

  it('the next run delivers only the changes, removals last', async () => {
    await db.query(`update app.users set plan = 'enterprise' where id in (10, 20, 30)`);
    await db.query(`delete from app.users where id in (499, 500)`);
    await db.query(`insert into app.users values (501, 'new@example.com', 'free')`);
    const mark = hook.received.length;
    const r = await run(['sync', 'run', 'sync.users_to_crm']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Planned: 1 added, 3 changed, 2 removed, 0 retried.');
    expect(hook.current()).toEqual(await tableState());
    expect(hook.received.slice(mark).map((x) => `${x.op}:${x.record_id}`)).toEqual([
      'upsert:10',
      'upsert:20',
      'upsert:30',
      'upsert:501',
      'delete:499',
      'delete:500',
    ]);
  });

  it('runs list and runs show read the ledger', async () => {
    const list = await run(['runs', 'list', '--json']);
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.stdout) as { runId: string; status: string; accepted: { add: number } }[];
    expect(runs.map((x) => x.status)).toEqual(['succeeded', 'succeeded']);
    expect(runs[1].accepted.add).toBe(500);
    const table = await run(['runs', 'list', 'users_to_crm']);
    expect(table.stdout).toContain('succeeded');
    const show = await run(['runs', 'show', runs[0].runId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('planned:  1 added, 3 changed, 2 removed, 0 retried');
  });

  it('bad input: an unknown sync or run is a clear error, exit 1, no stack trace', async () => {
    const a = await run(['sync', 'run', 'nope']);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('sync.nope is not in state');
    expect(a.stderr).toContain('users_to_crm');
    const b = await run(['runs', 'show', 'run_missing']);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain('No run run_missing');
    for (const r of [a, b]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('kill -9 at random points of runs never loses a change nor marks an unsent row as sent', async () => {
    const rounds = Number(process.env.BACKFLOW_RUN_KILL_ROUNDS ?? 8);
    let killed = 0;
    for (let i = 0; i < rounds; i += 1) {
      await db.query(`update app.users set email = 'v${i}-' || id || '@example.com' where id % ${i + 2} = 0`);
      hook.faults.push(...Array.from({ length: 5 }, () => ({ stallMs: 15 })));
      const child = startCli(['sync', 'run', 'users_to_crm'], { cwd: dir, env: env() });
      // Half the rounds die anywhere (startup, lock, planning); the others mid-delivery, after planning.
      const delay = Math.floor(Math.random() * 300);
      let timer: NodeJS.Timeout | undefined;
      if (i % 2 === 0) timer = setTimeout(() => child.kill('SIGKILL'), 100 + delay * 3);
      child.stderr!.on('data', (d: Buffer) => {
        if (i % 2 === 1 && !timer && d.toString().includes('Planned:')) {
          timer = setTimeout(() => child.kill('SIGKILL'), delay);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      clearTimeout(timer);
      if (code === null) killed += 1;
    }
    hook.faults.length = 0;
    const final = await run(['sync', 'run', 'users_to_crm']);
    expect(final.code).toBe(0);
    // A run left by a killed process is resumed, and then one more run finds nothing left to do.
    const settle = await run(['sync', 'run', 'users_to_crm']);
    expect(settle.code).toBe(0);
    expect(settle.stdout).toMatch(/succeeded/);
    expect(await tableState()).toEqual(hook.current());
    const idle = await run(['sync', 'run', 'users_to_crm']);
    expect(idle.stderr).toContain('Planned: 0 added, 0 changed, 0 removed, 0 retried.');
    expect(killed).toBeGreaterThan(0);
  }, 180000);

  it('never shows or stores a secret value', async () => {
    const ledger = await db.query(`select * from __segment_reverse_etl.backflow_runs`);
    const haystack = [
      outputs.join('\n'),
      persistedText(dir),
      JSON.stringify(ledger),
      readFileSync(join(dir, 'backflow.json'), 'utf8'),
    ].join('\n');
    for (const secret of [SECRETS.WAREHOUSE_PASSWORD, SECRETS.CRM_TOKEN, SIGNING])
      expect(haystack).not.toContain(secret);
  });
});
