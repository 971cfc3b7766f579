/**
 * Apply does not ask the warehouse again what the plan it applies already established (the columns and a
 * passed primary-key check for the same SQL); a plan made without refresh established nothing, so its
 * apply still checks, and still refuses a key that is not unique.
 */
import { loadConfig } from '../../../src/config/load';
import type { DesiredState } from '../../../src/config/desired';
import { applyPlan } from '../../../src/engine/apply';
import { Connections } from '../../../src/engine/connections';
import { planWorkspace } from '../../../src/engine/plan-workspace';
import { SyncState } from '../../../src/state/sync-state';
import type { StateFile } from '../../../src/state/types';
import { createTestDatabase, type TestDatabase, type TestRole } from '../../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../../helpers/workspace';

let db: TestDatabase;
let role: TestRole;

beforeAll(async () => {
  // Connections read secret references from the environment when they connect, as the CLI does.
  Object.assign(process.env, SECRETS);
  db = await createTestDatabase('apply_reuse');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`
    create schema analytics;
    create table analytics.orders (order_id bigint, user_id bigint);
    insert into analytics.orders select g, g % 5 from generate_series(1, 20) g;
    grant usage on schema analytics to "${role.name}";
    grant select on all tables in schema analytics to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
});

afterAll(async () => {
  await db.drop();
});

async function load(models: Record<string, { query: string; primary_key: string }>): Promise<DesiredState> {
  const dir = scratchDir('backflow-reuse-');
  const m: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(models)) m[name] = { source: 'warehouse', name, ...def };
  writeConfig(dir, { sources: { warehouse: sourceConfig(role.settings, role.name) }, models: m });
  return loadConfig({ dir, env: SECRETS });
}

/** Plans and applies on an empty state; counts the adapter's describe and primary-key calls during apply. */
async function planAndApply(desired: DesiredState, refresh: boolean) {
  const connections = new Connections(desired.configDir);
  try {
    const { plan, state } = await planWorkspace(
      desired,
      null,
      { mode: 'normal', targets: [], refresh, trustNewEndpoints: true },
      connections,
    );
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const source = desired.resources.get('source.warehouse')!;
    const adapter = await connections.get('source.warehouse', source.attributes);
    const introspect = jest.spyOn(adapter, 'introspect');
    const checkPrimaryKey = jest.spyOn(adapter, 'checkPrimaryKey');
    const sync = new SyncState(state, { appendJournal: async () => undefined });
    const result = await applyPlan({
      plan,
      desired,
      state: sync,
      salt: state.salt,
      connections,
      parallelism: 4,
    });
    await sync.flush();
    return {
      result,
      state: sync.close() as StateFile,
      introspected: introspect.mock.calls.length,
      checked: checkPrimaryKey.mock.calls.length,
    };
  } finally {
    await connections.closeAll();
  }
}

test('apply of a refreshed plan reuses its describe and primary-key check', async () => {
  const desired = await load({
    a: { query: 'select order_id from analytics.orders', primary_key: 'order_id' },
    b: {
      query: 'select order_id, user_id from analytics.orders where order_id > 10',
      primary_key: 'order_id',
    },
  });
  const { result, state, introspected, checked } = await planAndApply(desired, true);
  expect(result.failures).toEqual([]);
  expect(result.added).toBe(3);
  expect(introspected).toBe(0);
  expect(checked).toBe(0);
  expect(state.resources['model.b'].computed).toMatchObject({
    columns: [
      { name: 'order_id', type: 'bigint' },
      { name: 'user_id', type: 'bigint' },
    ],
    primary_key_check: { total: 10, distinct: 10, nulls: 0 },
    snapshot_exists: true,
  });
});

test('apply of a plan made without refresh still describes and checks, and refuses duplicates', async () => {
  const desired = await load({
    good: { query: 'select order_id from analytics.orders', primary_key: 'order_id' },
  });
  const ok = await planAndApply(desired, false);
  expect(ok.result.failures).toEqual([]);
  expect(ok.introspected).toBe(1);
  expect(ok.checked).toBe(1);
  expect(ok.state.resources['model.good'].computed.primary_key_check).toEqual({
    total: 20,
    distinct: 20,
    nulls: 0,
  });

  const dupes = await load({
    dupes: { query: 'select user_id from analytics.orders', primary_key: 'user_id' },
  });
  const refused = await planAndApply(dupes, false);
  expect(refused.result.failures.map((f) => f.message)).toEqual([
    'model.dupes: primary key "user_id" is not unique and non-null (20 rows, 5 distinct, 0 null)',
  ]);
});
