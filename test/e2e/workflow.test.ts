/**
 * The core workflow as a user runs it: validate, plan, apply, preview, no-op plan, the detachment rule,
 * saved plans, locks, state commands and destroy — the real CLI against a real Postgres.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, persistedText, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

let db: TestDatabase;
let role: TestRole;
let dir: string;
const outputs: string[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await runCli(args, { cwd: dir, env: { ...SECRETS, ...env } });
  outputs.push(r.output);
  return r;
}

function config(overrides: (c: Record<string, any>) => void = () => undefined): Record<string, any> {
  const c: Record<string, any> = {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    models: {
      active_users: {
        source: 'warehouse',
        name: 'Active users',
        query: 'select user_id, email from analytics.users where active',
        primary_key: 'user_id',
      },
      big_orders: {
        source: 'warehouse',
        name: 'Big orders',
        query: 'select order_id, user_id, amount from analytics.orders where amount > 100',
        primary_key: 'order_id',
      },
    },
    destinations: {
      crm: {
        type: 'webhook',
        url: 'https://hooks.example.com/crm',
        headers: { Authorization: { env: 'CRM_TOKEN' } },
      },
    },
    syncs: {
      users_to_crm: {
        model: 'active_users',
        destination: 'crm',
        schedule: { strategy: 'periodic', interval: '1h' },
      },
      orders_to_crm: {
        model: 'big_orders',
        destination: 'crm',
        schedule: { strategy: 'cron', expression: '0 6 * * *', timezone: 'UTC' },
      },
    },
  };
  overrides(c);
  return c;
}

beforeAll(async () => {
  db = await createTestDatabase('e2e_workflow');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`
    create schema analytics;
    create table analytics.users (user_id bigint primary key, email text, active boolean);
    insert into analytics.users select g, 'u' || g || '@example.com', g % 2 = 0 from generate_series(1, 50) g;
    create table analytics.orders (order_id bigint, user_id bigint, amount numeric);
    insert into analytics.orders select g, g % 50, g * 10 from generate_series(1, 40) g;
    grant usage on schema analytics to "${role.name}";
    grant select on all tables in schema analytics to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
  dir = scratchDir();
  writeConfig(dir, config());
});

afterAll(async () => {
  await db?.drop();
});

const snapshotTables = async (): Promise<string[]> =>
  (
    await db.query<{ t: string }>(
      `select table_name as t from information_schema.tables where table_schema = '__segment_reverse_etl' order by 1`,
    )
  ).map((r) => r.t);

describe('backflow end to end', () => {
  it('validates the configuration', async () => {
    const r = await cli(['validate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('The configuration is valid');
  });

  it('plans six creates, exit 2 with -detailed-exitcode', async () => {
    const r = await cli(['plan']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan: 6 to add, 0 to change, 0 to destroy.');
    expect((await cli(['plan', '-detailed-exitcode'])).code).toBe(2);
    expect(existsSync(join(dir, '.backflow', 'state.json'))).toBe(false);
  });

  it('prints a JSON plan shaped like terraform show -json', async () => {
    const r = await cli(['plan', '--json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.resource_changes).toHaveLength(6);
    const model = plan.resource_changes.find((c: any) => c.address === 'model.big_orders');
    expect(model.change.actions).toEqual(['create']);
    expect(model.change.after.primary_key).toBe('order_id');
    expect(plan.summary).toEqual({ add: 6, change: 0, destroy: 0 });
  });

  it('prints a Markdown pull-request comment', async () => {
    const r = await cli(['plan', '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('<!-- backflow-plan -->');
    expect(r.stdout).toContain('Plan: 6 to add, 0 to change, 0 to destroy.');
  });

  it('refuses to apply without a terminal unless auto-approved', async () => {
    const r = await cli(['apply']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('-auto-approve');
    expect(existsSync(join(dir, '.backflow', 'state.json'))).toBe(false);
  });

  it('applies: managed schema, snapshot tables, state', async () => {
    const r = await cli(['apply', '-auto-approve']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete! Resources: 6 added, 0 changed, 0 destroyed.');
    // Each model's snapshot, each sync's tracking tables, and the source's run ledger.
    expect(await snapshotTables()).toEqual([
      'backflow_runs',
      'records_orders_to_crm',
      'records_users_to_crm',
      'rejections_orders_to_crm',
      'rejections_users_to_crm',
      'snapshot_active_users',
      'snapshot_big_orders',
    ]);
    const state = JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
    expect(state.serial).toBe(1);
    expect(Object.keys(state.resources).sort()).toEqual([
      'destination.crm',
      'model.active_users',
      'model.big_orders',
      'source.warehouse',
      'sync.orders_to_crm',
      'sync.users_to_crm',
    ]);
    expect(state.resources['model.big_orders'].computed.columns.map((c: any) => c.name)).toEqual([
      'order_id',
      'user_id',
      'amount',
    ]);
  });

  it('plans no changes afterwards, byte for byte', async () => {
    const r = await cli(['plan', '-detailed-exitcode']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No changes. Your infrastructure matches the configuration.');
  });

  it('previews a model with a row limit', async () => {
    const r = await cli(['preview', 'big_orders', '--limit', '3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('order_id');
    expect(r.stdout).toContain('(3 rows, limit 3)');
    const j = await cli(['preview', 'model.active_users', '--limit', '2', '--json']);
    expect(JSON.parse(j.stdout).rows).toHaveLength(2);
  });

  it('tests a source and prints its setup SQL', async () => {
    const t = await cli(['source', 'test', 'warehouse']);
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('grants: all present');
    const s = await cli(['source', 'setup-sql', 'warehouse']);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('__segment_reverse_etl');
  });

  it('refuses a query change on a model attached to an active sync, naming the sync', async () => {
    writeConfig(
      dir,
      config(
        (c) =>
          (c.models.big_orders.query =
            'select order_id, user_id, amount from analytics.orders where amount > 200'),
      ),
    );
    const r = await cli(['plan']);
    expect(r.code).toBe(1);
    expect(r.output).toContain('model.big_orders is attached to 1 active sync; its query cannot change');
    expect(r.output).toContain('sync.orders_to_crm');
    expect(r.output).toContain('"enabled": false');
  });

  it('allows it when the same change disables the sync, applying the sync first', async () => {
    writeConfig(
      dir,
      config((c) => {
        c.models.big_orders.query =
          'select order_id, user_id, amount from analytics.orders where amount > 200';
        c.syncs.orders_to_crm.enabled = false;
      }),
    );
    const r = await cli(['apply', '-auto-approve']);
    expect(r.code).toBe(0);
    expect(r.stdout.indexOf('sync.orders_to_crm: Modifying')).toBeLessThan(
      r.stdout.indexOf('model.big_orders: Modifying'),
    );
    expect(r.stdout).toContain('Apply complete! Resources: 0 added, 2 changed, 0 destroyed.');
  });

  it('with on_attached_change "pause" pauses, changes, resets and resumes in one apply', async () => {
    await db.query(
      `insert into "__segment_reverse_etl"."snapshot_active_users" (pk, row_hash) values ('1', 'h')`,
    );
    writeConfig(
      dir,
      config((c) => {
        c.models.big_orders.query =
          'select order_id, user_id, amount from analytics.orders where amount > 200';
        c.syncs.orders_to_crm.enabled = false;
        c.models.active_users.query = 'select user_id, email from analytics.users';
        c.models.active_users.lifecycle = { on_attached_change: 'pause' };
      }),
    );
    const r = await cli(['apply', '-auto-approve']);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/sync\.users_to_crm.*paused/i);
    expect(r.output).toMatch(/sync\.users_to_crm.*resumed/i);
    expect(await db.query(`select * from "__segment_reverse_etl"."snapshot_active_users"`)).toEqual([]);
    const state = JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
    expect(state.resources['sync.users_to_crm'].paused_by).toBeUndefined();
  });

  const base = (c: Record<string, any>): void => {
    c.models.big_orders.query = 'select order_id, user_id, amount from analytics.orders where amount > 200';
    c.syncs.orders_to_crm.enabled = false;
    c.models.active_users.query = 'select user_id, email from analytics.users';
    c.models.active_users.lifecycle = { on_attached_change: 'pause' };
  };

  it('saves a plan and applies exactly it; refuses it once stale or modified', async () => {
    writeConfig(
      dir,
      config((c) => (base(c), (c.models.big_orders.description = 'v2'))),
    );
    expect((await cli(['plan', '-out=p1.plan'])).code).toBe(0);
    expect((await cli(['plan', '--out', 'p2.plan'])).code).toBe(0);
    const applied = await cli(['apply', 'p1.plan']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('1 changed');
    const stale = await cli(['apply', 'p2.plan']);
    expect(stale.code).toBe(1);
    expect(stale.output).toContain('Saved plan is stale');

    writeConfig(
      dir,
      config((c) => (base(c), (c.models.big_orders.description = 'v3'))),
    );
    expect((await cli(['plan', '-out=p3.plan'])).code).toBe(0);
    const text = readFileSync(join(dir, 'p3.plan'), 'utf8');
    writeFileSync(join(dir, 'p3.plan'), text.replace('"v3"', '"v4"'));
    const tampered = await cli(['apply', 'p3.plan']);
    expect(tampered.code).toBe(1);
    expect(tampered.output).toMatch(/modified/);

    writeConfig(
      dir,
      config((c) => (base(c), (c.models.big_orders.description = 'v5'))),
    );
    const changedConfig = await cli(['apply', join(dir, 'p3.plan')]);
    expect(changedConfig.code).toBe(1);
    expect(changedConfig.output).toMatch(/stale|modified/);
  });

  it('reports a held lock with its holder, and force-unlock removes it', async () => {
    const lockPath = join(dir, '.backflow', 'state.json.lock');
    writeFileSync(
      lockPath,
      JSON.stringify({
        id: 'lock-123',
        who: 'ci@runner (pid 1)',
        operation: 'apply',
        created: '2026-01-01T00:00:00Z',
      }),
    );
    const r = await cli(['plan']);
    expect(r.code).toBe(1);
    expect(r.output).toContain('Error acquiring the state lock');
    expect(r.output).toContain('ci@runner');
    expect(r.output).toContain('force-unlock lock-123');
    // As Terraform: a confirmation first, which a run without a terminal cannot give; -force skips it.
    const asked = await cli(['force-unlock', 'lock-123']);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toContain('Pass -force to unlock without a question');
    expect(existsSync(lockPath)).toBe(true);
    expect((await cli(['force-unlock', '-force', 'lock-123'])).code).toBe(0);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('lists, shows and removes state entries', async () => {
    const list = await cli(['state', 'list']);
    expect(list.stdout.trim().split('\n')).toContain('model.big_orders');
    const show = await cli(['state', 'show', 'destination.crm']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('(sensitive value)');
    // One syntax: the block `backflow show` prints, and its `show -json` entry with --json.
    expect(show.stdout.split('\n')[0]).toBe('# destination.crm:');
    expect(show.stdout).toContain('resource "destination" "crm" {');
    expect(show.stdout).toMatch(/^ {4}url +=  ?"https:\/\/hooks\.example\.com\/crm"$/m);
    expect(show.stdout).not.toMatch(/"[a-z_]+": /); // no JSON inside the block
    const showJson = JSON.parse((await cli(['state', 'show', 'destination.crm', '--json'])).stdout);
    expect(showJson).toMatchObject({ address: 'destination.crm', mode: 'managed', type: 'destination' });
    expect(JSON.stringify(showJson)).not.toContain(SECRETS.CRM_TOKEN);
    const missing = await cli(['state', 'show', 'model.nope']);
    expect(missing.code).toBe(1);
  });

  it('refuses a primary key that is not a column, or not unique', async () => {
    const withExtra = (query: string, primary_key: string) =>
      config((c) => (base(c), (c.models.extra = { source: 'warehouse', name: 'Extra', query, primary_key })));
    writeConfig(dir, withExtra('select user_id from analytics.orders', 'usr_id'));
    const notColumn = await cli(['plan']);
    expect(notColumn.code).toBe(1);
    expect(notColumn.output).toContain(
      'primary key "usr_id" is not a column of the model; did you mean "user_id"?',
    );
    writeConfig(dir, withExtra('select user_id % 5 as user_id from analytics.orders', 'user_id'));
    const notUnique = await cli(['plan']);
    expect(notUnique.code).toBe(1);
    expect(notUnique.output).toContain(
      'model.extra: primary key "user_id" is not unique and non-null: 35 duplicate values in 40 rows',
    );
  });

  it('names an unreachable warehouse and wrong credentials, exit 1, no secret shown', async () => {
    const before = readFileSync(join(dir, '.backflow', 'state.json'), 'utf8');
    writeConfig(
      dir,
      config((c) => (c.sources.warehouse.settings.port = 1)),
    );
    const down = await cli(['plan']);
    expect(down.code).toBe(1);
    expect(down.output).toMatch(/source\.warehouse/);
    expect(down.output).not.toMatch(/at .*\.js:\d+/); // no stack trace
    writeConfig(dir, config());
    const wrong = await cli(['plan'], { WAREHOUSE_PASSWORD: 'not-the-password' });
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/password authentication failed/);
    expect(wrong.output).not.toContain('not-the-password');
    expect(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8')).toBe(before);
  });

  it('refuses a corrupt state file and points at the backup', async () => {
    const path = join(dir, '.backflow', 'state.json');
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, good.slice(0, 40));
    const r = await cli(['plan']);
    expect(r.code).toBe(1);
    expect(r.output).toContain('state.json.backup');
    writeFileSync(path, good);
  });

  it('rejects malformed config with file, line and column, writing nothing', async () => {
    const before = readFileSync(join(dir, '.backflow', 'state.json'), 'utf8');
    writeFileSync(
      join(dir, 'backflow.json'),
      '{\n  "sources": {\n    "warehouse": { "warehouse": "postgres", }\n  }\n}\n',
    );
    const r = await cli(['apply', '-auto-approve']);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/backflow\.json/);
    expect(r.output).toMatch(/line 3/);
    expect(r.output).not.toMatch(/at .*\.js:\d+/);
    expect(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8')).toBe(before);
  });

  it('destroys everything: snapshot tables dropped, state emptied', async () => {
    writeConfig(dir, config());
    const r = await cli(['destroy', '-auto-approve']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Destroy complete! Resources: 6 destroyed.');
    // The run ledger is history: it outlives the syncs whose runs it lists.
    expect(await snapshotTables()).toEqual(['backflow_runs']);
    expect((await cli(['state', 'list'])).stdout.trim()).toBe('');
  });

  it('never shows or stores a secret value', () => {
    const everything =
      outputs.join('\n') +
      persistedText(
        dir,
        ['p1.plan', 'p2.plan', 'p3.plan'].map((f) => join(dir, f)),
      );
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
    expect(everything.length).toBeGreaterThan(1000);
  });
});
