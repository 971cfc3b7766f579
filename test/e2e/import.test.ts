/**
 * `backflow import ADDR ID` against the harness's real Postgres, through the real CLI: a workspace whose
 * state was lost adopts its managed schema and a sync's tracking tables again (the tracked rows are kept,
 * so the sync goes on where it was), and the next plan creates neither. Bad input is refused with the
 * address and the fix, exit 1, no stack trace, and the state and the warehouse untouched.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, expectNoErrorOutput, type CliResult } from '../helpers/cli';
import { createTestDatabase, seedOrdersTable, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, persistedText, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

let db: TestDatabase;
let role: TestRole;
let dir: string;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env: SECRETS });
const statePath = (): string => join(dir, '.backflow', 'state.json');

function config(): Record<string, unknown> {
  return {
    sources: {
      warehouse: sourceConfig(role.settings, role.name),
      // A second source whose managed schema was never made: importing it finds nothing.
      other: { ...sourceConfig(role.settings, role.name), managed_schema: 'never_made' },
    },
    models: {
      big_orders: {
        source: 'warehouse',
        name: 'Big orders',
        query: 'select order_id, amount from analytics.orders where amount > 100',
        primary_key: 'order_id',
      },
    },
    destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
    syncs: { orders_to_crm: { model: 'big_orders', destination: 'crm', schedule: { strategy: 'manual' } } },
  };
}

const tables = async (): Promise<string[]> =>
  (
    await db.query<{ t: string }>(
      `select table_schema || '.' || table_name as t from information_schema.tables
        where table_schema in ('__segment_reverse_etl', 'never_made') order by 1`,
    )
  ).map((r) => r.t);

const trackedRows = async (): Promise<string[]> =>
  (
    await db.query<{ id: string }>(
      'select record_id as id from __segment_reverse_etl.records_orders_to_crm order by 1',
    )
  ).map((r) => r.id);

beforeAll(async () => {
  db = await createTestDatabase('e2e_import');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await seedOrdersTable(db, role, 40);
  dir = scratchDir('backflow-import-');
  const { other: _other, ...sources } = config().sources as Record<string, unknown>;
  writeConfig(dir, { ...config(), sources });
  expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
  // What the destination has, as a sync run would have recorded it.
  await db.query(
    `insert into __segment_reverse_etl.records_orders_to_crm (record_id, checksum, status)
     values ('11', 'c11', 'synced'), ('12', 'c12', 'synced')`,
  );
  // The state is lost (a new CI cache, a deleted bucket): the warehouse objects are still there.
  rmSync(join(dir, '.backflow'), { recursive: true, force: true });
  writeConfig(dir, config());
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

test("import adopts the managed schema and a sync's tracking tables; the next plan creates neither", async () => {
  const before = await tables();
  expect(before).toContain('__segment_reverse_etl.records_orders_to_crm');
  expect((await cli(['plan'])).stdout).toContain('Plan: 5 to add, 0 to change, 0 to destroy.');

  const source = await cli(['import', 'source.warehouse', '__segment_reverse_etl']);
  expect(source.code).toBe(0);
  expectNoErrorOutput(source.stderr);
  expect(source.stdout).toContain('source.warehouse: Importing from ID "__segment_reverse_etl"...');
  expect(source.stdout).toContain('Import successful!');
  const state = JSON.parse(readFileSync(statePath(), 'utf8'));
  expect(state.serial).toBe(1);
  expect(Object.keys(state.resources)).toEqual(['source.warehouse']);
  expect(state.resources['source.warehouse'].computed.managed_schema_exists).toBe(true);
  // The secret is fingerprinted, never written.
  expect(persistedText(dir)).not.toContain(SECRETS.WAREHOUSE_PASSWORD);

  // A sync's tracking lives in its model's source: the model is applied first (it is a record and a
  // snapshot, nothing to adopt), then the sync's tables are imported.
  const model = await cli(['apply', '-auto-approve', '-target=model.big_orders', '-target=destination.crm']);
  expect(model.code).toBe(0);
  expect(model.stdout).toContain('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.');
  const sync = await cli(['import', 'sync.orders_to_crm', 'orders_to_crm']);
  expect(sync.code).toBe(0);
  expect(sync.stdout).toContain('Import successful!');

  const plan = await cli(['plan', '-detailed-exitcode']);
  // Only the second source (never applied) is left to create; nothing about the imported ones.
  expect(plan.stdout).toContain('Plan: 1 to add, 0 to change, 0 to destroy.');
  expect(plan.stdout).toContain('# source.other will be created');
  expect(plan.stdout).not.toMatch(/# (source\.warehouse|sync\.orders_to_crm) will be/);
  expect(plan.code).toBe(2);
  // Import only read: the rows the destination has are still tracked, no table came or went.
  expect(await trackedRows()).toEqual(['11', '12']);
  expect(await tables()).toEqual(before);
  const shown = JSON.parse((await cli(['state', 'show', 'sync.orders_to_crm', '--json'])).stdout);
  expect(shown.tracking_key).toBeUndefined();
});

test('bad input is refused with the address and the fix; state and warehouse are untouched', async () => {
  const stateBefore = readFileSync(statePath(), 'utf8');
  const tablesBefore = await tables();
  const cases: [string[], string, string][] = [
    [
      ['import', 'source.nope', 'x'],
      'Configuration for import target does not exist: source.nope',
      'Declare source.nope',
    ],
    [
      ['import', 'source.warehouse', '__segment_reverse_etl'],
      'Resource already managed by Backflow: source.warehouse',
      'backflow state rm source.warehouse',
    ],
    [
      ['import', 'source.other', 'never_made'],
      'cannot import "never_made": no such schema',
      'backflow apply',
    ],
    [
      ['import', 'source.other', 'elsewhere'],
      'the import ID "elsewhere" is not the managed schema the configuration names ("never_made")',
      'backflow import source.other never_made',
    ],
    [['import', 'model.big_orders', 'x'], 'model.big_orders: a model cannot be imported', 'source (ID:'],
    [['import', 'destination.crm', 'x'], 'a destination cannot be imported', 'sync (ID:'],
    [['import', 'big_orders', 'x'], '"big_orders" is not a resource address', 'TYPE.NAME'],
  ];
  for (const [args, error, fix] of cases) {
    const r = await cli(args);
    expect({ args, code: r.code }).toEqual({ args, code: 1 });
    expect(r.stderr).toContain(error);
    expect(r.stderr).toContain(fix);
    expect(r.output).not.toMatch(/\n\s+at /);
    expect(readFileSync(statePath(), 'utf8')).toBe(stateBefore);
  }

  // A sync whose tracking tables are not there under that name.
  rmSync(statePath());
  expect(existsSync(statePath())).toBe(false);
  expect((await cli(['import', 'source.warehouse', '__segment_reverse_etl'])).code).toBe(0);
  const noModel = await cli(['import', 'sync.orders_to_crm', 'orders_to_crm']);
  expect(noModel.code).toBe(1);
  expect(noModel.stderr).toContain('model.big_orders is not in state');
  expect(noModel.stderr).toContain('backflow apply -target=model.big_orders');
  expect((await cli(['apply', '-auto-approve', '-target=model.big_orders'])).code).toBe(0);
  const afterModel = readFileSync(statePath(), 'utf8');
  const wrong = await cli(['import', 'sync.orders_to_crm', 'orders_to_hubspot']);
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toContain(
    'sync.orders_to_crm: cannot import "orders_to_hubspot": no tracking table "records_orders_to_hubspot" or "rejections_orders_to_hubspot" in schema "__segment_reverse_etl" of source.warehouse',
  );
  expect(wrong.output).not.toMatch(/\n\s+at /);
  expect(readFileSync(statePath(), 'utf8')).toBe(afterModel);
  expect(await tables()).toEqual(tablesBefore);
  expect(await trackedRows()).toEqual(['11', '12']);

  // The tables made under another name are adopted for a renamed sync, and kept under that name.
  const renamed = config();
  renamed.syncs = {
    orders_to_hubspot: { model: 'big_orders', destination: 'crm', schedule: { strategy: 'manual' } },
  };
  writeConfig(dir, renamed);
  const adopt = await cli(['import', 'sync.orders_to_hubspot', 'orders_to_crm']);
  expect(adopt.code).toBe(0);
  const shown = JSON.parse((await cli(['state', 'show', 'sync.orders_to_hubspot', '--json'])).stdout);
  expect(shown.tracking_key).toBe('orders_to_crm');
  const plan = await cli(['plan']);
  expect(plan.stdout).not.toContain('# sync.orders_to_hubspot will be');
  expect(await trackedRows()).toEqual(['11', '12']);
  writeConfig(dir, config());
});
