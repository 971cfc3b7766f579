/**
 * BigQuery failures and guarantees beyond the shared suite: IAM gaps with the gcloud command to run,
 * unreachable endpoints, timeouts, keys that are not keys, and dry runs that never run anything.
 */
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter, WarehouseSettings } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { startBigQueryWorld, type BigQueryWorld } from '../../helpers/bigquery';
import { freePort } from '../../helpers/postgres-server';

let world: BigQueryWorld;
const opened: WarehouseAdapter[] = [];

async function connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
  const adapter = await getDialect('bigquery').connect(settings);
  opened.push(adapter);
  return adapter;
}

async function userErrorOf(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const e = err as UserError;
  const key = JSON.parse(world.account.json).private_key as string;
  for (const text of [e.message, e.hint ?? '', String(e.stack)]) {
    for (const line of key.split('\n').slice(1, -2)) expect(text).not.toContain(line);
  }
  return e;
}

beforeAll(async () => {
  world = await startBigQueryWorld();
  await world.server.sql(
    "create table `marts`.`orders` (order_id INT64, amount FLOAT64, seen_at TIMESTAMP); insert into `marts`.`orders` values (1, 9.5, TIMESTAMP '2024-01-02 03:04:05.678+00')",
  );
});

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
  await world.server.stop();
});

test('queries are described by one dry run, never run', async () => {
  const adapter = await connect(world.settings);
  const before = { dry: world.server.log.dryRuns.length, run: world.server.log.queries.length };
  const result = await adapter.introspect({
    relations: [],
    queries: [
      { id: 'a', sql: 'select order_id, amount from `marts`.`orders`' },
      { id: 'b', sql: 'select order_id from `marts`.`orders` where amount > 1' },
    ],
  });
  expect(result.queries.get('a')).toEqual({
    columns: [
      { name: 'order_id', type: 'INT64' },
      { name: 'amount', type: 'FLOAT64' },
    ],
  });
  expect(world.server.log.dryRuns.length - before.dry).toBe(1);
  expect(world.server.log.queries.length - before.run).toBe(0);
  expect(adapter.roundTrips).toBe(1);
});

test('preview values are JSON-safe: INT64 exact, TIMESTAMP as ISO 8601', async () => {
  const adapter = await connect(world.settings);
  const result = await adapter.preview('select * from `marts`.`orders`', 5);
  expect(result.columns).toEqual([
    { name: 'order_id', type: 'INT64' },
    { name: 'amount', type: 'FLOAT64' },
    { name: 'seen_at', type: 'TIMESTAMP' },
  ]);
  expect(result.rows).toEqual([{ order_id: '1', amount: 9.5, seen_at: '2024-01-02T03:04:05.678Z' }]);
});

test('a service account that may not run jobs gets the gcloud command for roles/bigquery.jobUser', async () => {
  const viewer = world.server.addServiceAccount('viewer', { projectRoles: ['roles/bigquery.dataViewer'] });
  const adapter = await connect({ ...world.settings, credentials: viewer.json });
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toBe(
    'viewer@backflow-test.iam.gserviceaccount.com may not run queries in project "backflow-test"',
  );
  expect(err.hint).toContain(
    'gcloud projects add-iam-policy-binding backflow-test --member=serviceAccount:viewer@backflow-test.iam.gserviceaccount.com --role=roles/bigquery.jobUser',
  );
});

test('a service account that may not create the managed dataset gets the DDL and GRANT to run', async () => {
  const runner = world.server.addServiceAccount('runner', { projectRoles: ['roles/bigquery.jobUser'] });
  const adapter = await connect({ ...world.settings, credentials: runner.json });
  expect(await adapter.checkGrants('backflow_new')).toEqual({ schema_exists: false, missing_grants: [] });
  const err = await userErrorOf(adapter.ensureManagedSchema('backflow_new'));
  expect(err.message).toMatch(/may not create the managed dataset `backflow-test`.`backflow_new`/);
  expect(err.hint).toContain(
    "CREATE SCHEMA IF NOT EXISTS `backflow-test`.`backflow_new` OPTIONS (location = 'US');",
  );
  expect(err.hint).toContain(
    'GRANT `roles/bigquery.dataEditor` ON SCHEMA `backflow-test`.`backflow_new` TO "serviceAccount:runner@backflow-test.iam.gserviceaccount.com";',
  );
});

test('a key that is not a service-account key is refused before any request, without echoing it', async () => {
  const dialect = getDialect('bigquery');
  await expect(dialect.connect({ ...world.settings, credentials: 'not json at all' })).rejects.toThrow(
    /"credentials" is not JSON/,
  );
  await expect(
    dialect.connect({ ...world.settings, credentials: '{"type":"authorized_user"}' }),
  ).rejects.toThrow(/"authorized_user" credential/);
  await expect(dialect.connect({ ...world.settings, project_id: 'Not A Project' })).rejects.toThrow(
    /project ID/,
  );
});

test('an unreachable endpoint and a slow query are clear errors', async () => {
  const port = await freePort();
  let adapter = await connect({
    ...world.settings,
    api_endpoint: `http://127.0.0.1:${port}`,
    connect_timeout_ms: 1000,
  });
  let err = await userErrorOf(adapter.testConnection());
  expect(err.message).toMatch(
    new RegExp(`cannot reach BigQuery at 127\\.0\\.0\\.1:${port} \\(connection refused\\)|timed out`),
  );

  adapter = await connect({ ...world.settings, statement_timeout_ms: 500 });
  err = await userErrorOf(adapter.preview('select count(*) as n from range(100000000000) a', 1));
  expect(err.message).toMatch(/^previewing the query timed out after 500 ms on BigQuery/);
  expect(err.hint).toMatch(/statement_timeout_ms/);
});
