/**
 * The TypeScript example applied for real: its staging stack, pointed at the test harness's Postgres
 * through the stage's environment overrides, planned, applied, planned again (no changes), and guarded by
 * the detachment rule with the construct path in the message. The production stack stays untouched.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../../examples/typescript/main';
import { runCli, type CliResult, expectNoErrorOutput } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { scratchDir } from '../helpers/workspace';

let db: TestDatabase;
let role: TestRole;
let dir: string;
let out: string;
let env: NodeJS.ProcessEnv;

const cli = (...args: string[]): Promise<CliResult> =>
  runCli([...args, '--synth-dir', out, '--stack', 'staging'], { cwd: dir, env });

beforeAll(async () => {
  db = await createTestDatabase('e2e_typescript');
  role = await db.createRole();
  await db.query(`
    create schema analytics;
    create table analytics.users (user_id bigint primary key, email text, active boolean);
    insert into analytics.users select g, 'u' || g || '@example.com', g % 2 = 0 from generate_series(1, 20) g;
    create table analytics.orders (order_id bigint primary key, user_id bigint, amount numeric);
    insert into analytics.orders select g, g % 20, g * 10 from generate_series(1, 30) g;
    grant usage on schema analytics to "${role.name}";
    grant select on all tables in schema analytics to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
  env = {
    STAGING_WAREHOUSE_HOST: role.settings.host,
    STAGING_WAREHOUSE_PORT: String(role.settings.port),
    STAGING_WAREHOUSE_DATABASE: role.settings.database,
    STAGING_WAREHOUSE_USER: role.name,
    STAGING_WAREHOUSE_PASSWORD: role.password,
    STAGING_CRM_TOKEN: 'tok-staging-crm-31337',
  };
  dir = scratchDir('backflow-ts-apply-');
  out = join(dir, 'cdktf.out');
  buildApp({ outdir: out, env }).synth();
});

afterAll(async () => {
  await db?.drop();
});

describe('the TypeScript example against Postgres', () => {
  it('plans the staging stack against the warehouse', async () => {
    const r = await cli('plan');
    expectNoErrorOutput(r.stderr);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Stack: staging\n\n')).toBe(true);
    expect(r.stdout).toContain('Plan: 6 to add, 0 to change, 0 to destroy.');
  });

  it('applies it into its own state, leaving production alone', async () => {
    const r = await cli('apply', '-auto-approve');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Apply complete! Resources: 6 added, 0 changed, 0 destroyed.');
    const tables = await db.query<{ t: string }>(
      `select table_name as t from information_schema.tables where table_schema = '__segment_reverse_etl' order by 1`,
    );
    // Each model's snapshot, each sync's tracking tables, and the source's run ledger.
    expect(tables.map((x) => x.t)).toEqual([
      'backflow_runs',
      'records_orders_to_crm',
      'records_users_to_crm',
      'rejections_orders_to_crm',
      'rejections_users_to_crm',
      'snapshot_active_users',
      'snapshot_big_orders',
    ]);
    const state = JSON.parse(readFileSync(join(dir, '.backflow', 'staging', 'state.json'), 'utf8'));
    expect(Object.keys(state.resources).sort()).toEqual([
      'destination.crm',
      'model.active_users',
      'model.big_orders',
      'source.warehouse',
      'sync.orders_to_crm',
      'sync.users_to_crm',
    ]);
    expect(readFileSync(join(dir, '.backflow', 'staging', 'state.json'), 'utf8')).not.toContain(
      env.STAGING_WAREHOUSE_PASSWORD,
    );
    expect(existsSync(join(dir, '.backflow', 'production'))).toBe(false);
  });

  it('plans no changes afterwards', async () => {
    const r = await cli('plan', '-detailed-exitcode');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No changes. Your infrastructure matches the configuration.');
  });

  it('refuses a change to a model attached to an active sync, naming its construct', async () => {
    const file = join(out, 'stacks', 'staging', 'cdk.tf.json');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, before.replace('where amount > 100', 'where amount > 200'));
    const state = readFileSync(join(dir, '.backflow', 'staging', 'state.json'), 'utf8');
    const r = await cli('plan');
    writeFileSync(file, before);
    expect(r.code).toBe(1);
    expect(r.output).toContain('model.big_orders is attached to 1 active sync; its query cannot change');
    expect(r.output).toContain('in construct staging/reverse-etl/big_orders');
    expect(readFileSync(join(dir, '.backflow', 'staging', 'state.json'), 'utf8')).toBe(state);
  });
});
