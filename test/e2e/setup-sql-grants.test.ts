/**
 * `backflow source setup-sql` grants read on the schemas the models read, not only `public`: a SQL model
 * reading `sales.orders` and a dbt model (local repository, resolved offline to `analytics_marts`). The
 * printed SQL is run for real on the harness's Postgres as the admin, and then the role it creates reads
 * both non-public schemas (`backflow preview`, `apply`, plain queries) — including a table created after the setup (default
 * privileges).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runCli, expectNoErrorOutput, type CliResult } from '../helpers/cli';
import { createWorkRepo } from '../helpers/git-repo';
import { adminUrl, createTestDatabase, quoteIdent, uniqueName, type TestDatabase } from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

let db: TestDatabase;
let dir: string;
let config: Record<string, unknown>;
const user = uniqueName('bf_setup');

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env: SECRETS });

const PROJECT = {
  'dbt/dbt_project.yml':
    'name: shop\nversion: "1.0"\nmodel-paths: ["models"]\nmodels:\n  shop:\n    marts:\n      +schema: marts\n',
  'dbt/models/marts/customers.sql': "select 1 as customer_id, 'a' as name\n",
};

beforeAll(async () => {
  db = await createTestDatabase('e2e_setup_sql');
  await db.query(`
    create schema sales;
    create table sales.orders (order_id int primary key, amount numeric);
    insert into sales.orders values (1, 50), (2, 5000);
    create schema analytics_marts;
    create table analytics_marts.customers (customer_id int primary key, name text);
    insert into analytics_marts.customers values (1, 'a');
    create schema secret_stuff;
    create table secret_stuff.salaries (id int);
  `);
  const repo = mkdtempSync(join(tmpdir(), 'backflow-setup-repo-'));
  await createWorkRepo(repo, { branch: 'main', files: PROJECT });
  dir = scratchDir('backflow-setup-sql-');
  config = {
    sources: { warehouse: sourceConfig(db.settings, user) },
    git_syncs: {
      analytics: {
        source: 'warehouse',
        repository: repo,
        branch: 'main',
        default_schema: 'analytics',
        project_path: 'dbt',
      },
    },
    models: {
      big_orders: {
        source: 'warehouse',
        name: 'Big orders',
        query:
          'select o.order_id, o.amount from sales.orders o where extract(year from now()) > 2000 and o.amount > 100',
        primary_key: 'order_id',
      },
      customers: {
        source: 'warehouse',
        name: 'Customers',
        dbt_model: { git_sync: 'analytics', name: 'customers' },
        primary_key: 'customer_id',
      },
    },
  };
  writeConfig(dir, config);
}, 60_000);

afterAll(async () => {
  await db?.drop();
  // The role the setup SQL made is cluster-wide: dropped once its database (and what it owned) is gone.
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`drop role if exists ${quoteIdent(user)}`);
  await admin.end();
});

test('setup-sql grants read on the schemas SQL and dbt models read; run as admin, the role reads them', async () => {
  const printed = await cli(['source', 'setup-sql', 'warehouse']);
  expect(printed.code).toBe(0);
  expectNoErrorOutput(printed.stderr);
  const sql = printed.stdout;
  for (const schema of ['public', 'sales', 'analytics_marts']) {
    expect(sql).toContain(`GRANT USAGE ON SCHEMA "${schema}" TO "${user}";`);
    expect(sql).toContain(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO "${user}";`);
    expect(sql).toContain(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" GRANT SELECT ON TABLES TO "${user}";`,
    );
  }
  // Only what the models read: no other schema, and `o.amount` / `extract(... from now())` are no schemas.
  expect(sql).not.toContain('secret_stuff');
  expect(sql).not.toMatch(/SCHEMA "o"/);

  // The admin runs it as printed (plus the password line it leaves for them to fill in).
  await db.query(sql);
  await db.query(`alter role ${quoteIdent(user)} with password '${SECRETS.WAREHOUSE_PASSWORD}'`);
  // A table dbt builds later is readable too (ALTER DEFAULT PRIVILEGES).
  await db.query(`create table sales.refunds (id int); insert into sales.refunds values (7);`);

  const orders = await cli(['preview', 'big_orders', '--json']);
  expect(orders.code).toBe(0);
  expect(JSON.parse(orders.stdout).rows).toEqual([{ order_id: 2, amount: '5000' }]);
  // A dbt-backed model previews the relation its Git sync resolves it to (analytics_marts, a custom schema).
  const customers = await cli(['preview', 'customers', '--json']);
  expect(customers.code).toBe(0);
  expect(JSON.parse(customers.stdout).rows).toEqual([{ customer_id: 1, name: 'a' }]);
  expect(customers.stderr).toMatch(
    /^model\.customers: dbt model "customers" is analytics_marts\.customers at commit [0-9a-f]{12} \(/,
  );
  // Apply reads both models (described, primary keys checked).
  const apply = await cli(['apply', '-auto-approve']);
  expect(apply.stderr).toBe('');
  expect(apply.code).toBe(0);

  const asRole = new Client({ ...db.settings, user, password: SECRETS.WAREHOUSE_PASSWORD });
  await asRole.connect();
  try {
    expect((await asRole.query('select id from sales.refunds')).rows).toEqual([{ id: 7 }]);
    expect((await asRole.query('select name from analytics_marts.customers')).rows).toEqual([{ name: 'a' }]);
    await expect(asRole.query('select * from secret_stuff.salaries')).rejects.toThrow(/permission denied/);
  } finally {
    await asRole.end();
  }
  // And the source passes its own grants check, managed schema included.
  const test = await cli(['source', 'test', 'warehouse']);
  expect(test.stdout).toContain('grants: all present');
  expect(test.code).toBe(0);
});

test('preview of a dbt-backed model the project does not have: a clear error, exit 1', async () => {
  const other = scratchDir('backflow-setup-sql-missing-');
  const models = config.models as Record<string, Record<string, unknown>>;
  writeConfig(other, {
    ...config,
    models: {
      ...models,
      customers: { ...models.customers, dbt_model: { git_sync: 'analytics', name: 'custmers' } },
    },
  });
  const r = await runCli(['preview', 'customers'], { cwd: other, env: SECRETS });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /model\.customers: dbt model "custmers" does not exist in git_sync\.analytics; did you mean "customers"\?/,
  );
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stdout).toBe('');
});
