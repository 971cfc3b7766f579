/**
 * Names the warehouse would change: a managed_schema, model or sync whose schema or tracking tables the
 * warehouse would cut (Postgres 63 bytes, Redshift 127, Snowflake 255 characters, BigQuery 1024 bytes,
 * Databricks 255) or fold into another object's table (case folding on Redshift, Snowflake, Databricks)
 * is refused at validate, naming the table and the other object.
 */
import { baseConfig, cleanFixtures, fixture, problems } from '../config/fixtures';

afterAll(cleanFixtures);

function on(warehouse: string, change: (c: Record<string, any>) => void): Record<string, any> {
  const c: Record<string, any> = baseConfig();
  const settings: Record<string, Record<string, unknown>> = {
    postgres: c.sources.warehouse.settings,
    redshift: c.sources.warehouse.settings,
    snowflake: {
      account: 'ab12345',
      user: 'retl',
      database: 'ANALYTICS',
      warehouse: 'WH',
      private_key: { env: 'SF_KEY' },
    },
    bigquery: { project_id: 'acme', location: 'US', credentials_json: { env: 'BQ_CREDENTIALS' } },
    databricks: {
      host: 'dbc-1.cloud.databricks.com',
      http_path: '/sql/1.0/warehouses/abc',
      token: { env: 'DATABRICKS_TOKEN' },
      catalog: 'main',
    },
  };
  c.sources.warehouse = { warehouse, settings: settings[warehouse] };
  change(c);
  return c;
}

async function summaries(config: Record<string, any>): Promise<string[]> {
  try {
    return (await problems(fixture({ 'backflow.json': config }))).map(
      (d) => `${d.summary}\n${d.detail ?? ''}`,
    );
  } catch (err) {
    if ((err as Error).message === 'expected the config to be invalid') return []; // valid: no problems
    throw err;
  }
}

const named = (found: string[], text: string): string[] => found.filter((s) => s.includes(text));

test('Postgres: a sync whose rejections_<sync> passes 63 bytes is refused, with the room left', async () => {
  const name = 's'.repeat(53); // rejections_ (11) + 53 = 64 bytes
  const found = await summaries(
    on('postgres', (c) => {
      c.syncs = { [name]: { model: 'big_orders', destination: 'crm' } };
    }),
  );
  const hit = named(found, `tracking table "rejections_${name}" is 64 bytes; postgres keeps at most 63`);
  expect(hit).toHaveLength(1);
  expect(hit[0]).toContain('at most 52 bytes');
  // One shorter fits: no problem about names at all.
  const ok = await summaries(
    on('postgres', (c) => {
      c.syncs = { [name.slice(1)]: { model: 'big_orders', destination: 'crm' } };
    }),
  );
  expect(named(ok, 'tracking table')).toEqual([]);
});

test('Postgres counts bytes, Snowflake characters: a multi-byte managed_schema', async () => {
  const schema = 'é'.repeat(32); // 32 characters, 64 bytes
  const pg = await summaries(on('postgres', (c) => (c.sources.warehouse.managed_schema = schema)));
  expect(named(pg, 'source.warehouse: managed_schema is 64 bytes; postgres keeps at most 63')).toHaveLength(
    1,
  );
  const sf = await summaries(on('snowflake', (c) => (c.sources.warehouse.managed_schema = schema)));
  expect(named(sf, 'managed_schema is')).toEqual([]);
});

test('a managed_schema longer than the warehouse keeps is refused (Postgres 63, Redshift 127)', async () => {
  const pg = await summaries(on('postgres', (c) => (c.sources.warehouse.managed_schema = 'm'.repeat(64))));
  expect(named(pg, 'source.warehouse: managed_schema is 64 bytes; postgres keeps at most 63')).toHaveLength(
    1,
  );
  const rs = await summaries(on('redshift', (c) => (c.sources.warehouse.managed_schema = 'm'.repeat(64))));
  expect(named(rs, 'managed_schema is')).toEqual([]);
  const rs2 = await summaries(on('redshift', (c) => (c.sources.warehouse.managed_schema = 'm'.repeat(128))));
  expect(named(rs2, 'redshift keeps at most 127')).toHaveLength(1);
});

test.each([
  ['redshift', 'Orders', 'orders'],
  ['databricks', 'Orders', 'orders'],
  ['snowflake', 'orders', 'ORDERS'],
])('%s folds sync names %s and %s into one tracking table: refused, naming both', async (wh, a, b) => {
  const found = await summaries(
    on(wh, (c) => {
      c.syncs = {
        [a]: { model: 'big_orders', destination: 'crm' },
        [b]: { model: 'big_orders', destination: 'crm' },
      };
    }),
  );
  const hit = named(found, `would be the same table as sync.${a}'s`);
  expect(hit).toHaveLength(1);
  expect(hit[0]).toContain(`sync.${b}: its tracking table`);
  expect(hit[0]).toContain('rename one of');
});

test('case-sensitive warehouses keep Orders and orders apart; Snowflake keeps quoted-only names apart', async () => {
  for (const wh of ['postgres', 'bigquery']) {
    const found = await summaries(
      on(wh, (c) => {
        c.syncs = {
          Orders: { model: 'big_orders', destination: 'crm' },
          orders: { model: 'big_orders', destination: 'crm' },
        };
      }),
    );
    expect(named(found, 'same table')).toEqual([]);
  }
  const sf = await summaries(
    on('snowflake', (c) => {
      c.syncs = {
        'my-sync': { model: 'big_orders', destination: 'crm' },
        'MY-SYNC': { model: 'big_orders', destination: 'crm' },
      };
    }),
  );
  expect(named(sf, 'same table')).toEqual([]);
});

test('two Redshift sources sharing one managed schema: their models fold into one snapshot table', async () => {
  const found = await summaries(
    on('redshift', (c) => {
      c.sources.other = { ...c.sources.warehouse, managed_schema: '__SEGMENT_REVERSE_ETL' };
      c.models.Big_Orders = { ...c.models.big_orders, source: 'other' };
    }),
  );
  expect(
    named(
      found,
      `model.Big_Orders: its tracking table "snapshot_Big_Orders" would be the same table as model.big_orders's`,
    ),
  ).toHaveLength(1);
});
