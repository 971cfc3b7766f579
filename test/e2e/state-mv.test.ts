/**
 * Renaming without replacing: `state mv` gives a model and a sync new addresses, the config follows, and the
 * next plan has nothing to do; the model's change-tracking snapshot keeps its table (no reset), and a destroy
 * still finds it. `-replace=ADDR` forces a replacement, which starts tracking over. The real CLI, real Postgres.
 */
import { runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase, seedOrdersTable, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

let db: TestDatabase;
let role: TestRole;
let dir: string;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env: SECRETS });

function config(model: string, sync: string): Record<string, unknown> {
  return {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    models: {
      [model]: {
        source: 'warehouse',
        name: 'Big orders',
        query: 'select order_id, amount from analytics.orders where amount > 100',
        primary_key: 'order_id',
      },
    },
    destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
    syncs: { [sync]: { model, destination: 'crm', schedule: { strategy: 'manual' } } },
  };
}

const snapshotTables = async (): Promise<string[]> =>
  (
    await db.query<{ t: string }>(
      `select table_name as t from information_schema.tables where table_schema = '__segment_reverse_etl' order by 1`,
    )
  ).map((r) => r.t);

beforeAll(async () => {
  db = await createTestDatabase('e2e_state_mv');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await seedOrdersTable(db, role, 40);
  dir = scratchDir('backflow-mv-');
  writeConfig(dir, config('big_orders', 'orders_to_crm'));
  expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
});

afterAll(async () => {
  await db?.drop();
});

test('state mv renames a model and its sync without replacing them, keeping the snapshot', async () => {
  const before = await snapshotTables();
  expect(before.some((t) => t.includes('big_orders'))).toBe(true);
  expect(before.some((t) => t.includes('orders_to_crm'))).toBe(true);

  // Renaming in config alone would destroy and create both (and start tracking over).
  writeConfig(dir, config('orders_over_100', 'orders_to_hubspot'));
  expect((await cli(['plan'])).stdout).toContain('Plan: 2 to add, 0 to change, 2 to destroy.');

  const mv1 = await cli(['state', 'mv', 'model.big_orders', 'model.orders_over_100']);
  expect(mv1.code).toBe(0);
  expect(mv1.stdout).toContain('Successfully moved 1 object(s).');
  expect((await cli(['state', 'mv', 'sync.orders_to_crm', 'sync.orders_to_hubspot'])).code).toBe(0);

  const plan = await cli(['plan', '-detailed-exitcode']);
  expect(plan.stdout).toContain('No changes. Your infrastructure matches the configuration.');
  expect(plan.code).toBe(0);
  const list = (await cli(['state', 'list'])).stdout.trim().split('\n');
  expect(list).toEqual(
    expect.arrayContaining(['model.orders_over_100', 'sync.orders_to_hubspot', 'source.warehouse']),
  );
  expect(list).not.toContain('model.big_orders');
  const shown = JSON.parse((await cli(['state', 'show', 'sync.orders_to_hubspot', '--json'])).stdout);
  expect(shown.tracking_key).toBe('orders_to_crm');
  expect(shown.values.model).toBe('orders_over_100');
  // Nothing in the warehouse moved: the snapshot made under the old name is the one in use.
  expect(await snapshotTables()).toEqual(before);
});

test('state mv refuses what it cannot do, naming the address, and changes nothing', async () => {
  const types = await cli(['state', 'mv', 'model.orders_over_100', 'sync.x']);
  expect(types.code).toBe(1);
  expect(types.stderr).toContain('the resource types differ');
  const missing = await cli(['state', 'mv', 'model.nope', 'model.x']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toContain('No instance found for the given address: model.nope');
  const taken = await cli(['state', 'mv', 'sync.orders_to_hubspot', 'sync.orders_to_hubspot']);
  expect(taken.code).toBe(1);
  expect(taken.stderr).toContain('is already in state');
  expect(types.output + missing.output).not.toMatch(/\n\s+at /);
});

test('-replace forces a replacement, shown as Terraform shows it, and apply drops the kept snapshot', async () => {
  const plan = await cli(['plan', '-replace=model.orders_over_100']);
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain('# model.orders_over_100 will be replaced, as requested');
  const bad = await cli(['plan', '-replace=model.nope']);
  expect(bad.code).toBe(1);
  expect(bad.output).toContain('-replace model.nope: no such object in both configuration and state');
  expect(bad.stdout).not.toMatch(/^Plan: /m);

  expect((await cli(['destroy', '-auto-approve'])).code).toBe(0);
  // The model's snapshot and the sync's tracking, kept under their old names, went with them (the run
  // ledger stays: it is the workspace's history).
  expect(await snapshotTables()).toEqual(['backflow_runs']);
});
