/**
 * dbt-backed models end to end: a Git sync of a real repository (read in place at the branch, not the
 * working tree), models resolved from the dbt project with the primary key chosen from its tests, apply
 * against the real Postgres, `models list`, and the two guards against upstream drift — a plan error when
 * a new commit removes a model an active sync uses, and `backflow check` failing the dbt repository's CI.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { commitAll, createWorkRepo, writeFiles } from '../helpers/git-repo';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

let db: TestDatabase;
let role: TestRole;
let dir: string;
let repo: string;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env: SECRETS });

const PROJECT = {
  'dbt/dbt_project.yml':
    'name: shop\nversion: "1.0"\nmodel-paths: ["models"]\nmodels:\n  shop:\n    marts:\n      +schema: marts\n      +materialized: table\n',
  'dbt/models/marts/customers.sql': "select 1 as customer_id, 'a' as name\n",
  'dbt/models/marts/orders.sql': '{{ config(alias="all_orders") }}\nselect 1 as order_id\n',
  'dbt/models/marts/schema.yml':
    'version: 2\nmodels:\n  - name: customers\n    columns:\n      - name: customer_id\n        tests: [unique, not_null]\n      - name: name\n  - name: orders\n    columns:\n      - name: order_id\n        data_tests: [unique, not_null]\n',
};

beforeAll(async () => {
  db = await createTestDatabase('e2e_dbt');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  // What `dbt run` would have built: default schema "analytics" + custom schema "marts" = analytics_marts.
  await db.query(`
    create schema analytics_marts;
    create table analytics_marts.customers (customer_id int, name text);
    insert into analytics_marts.customers values (1, 'a'), (2, 'b');
    create table analytics_marts.all_orders (order_id int);
    insert into analytics_marts.all_orders values (1), (2), (3);
    grant usage on schema analytics_marts to "${role.name}";
    grant select on all tables in schema analytics_marts to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
  repo = mkdtempSync(join(tmpdir(), 'backflow-dbt-repo-'));
  await createWorkRepo(repo, { branch: 'main', files: PROJECT });
  dir = scratchDir('backflow-dbt-');
  writeConfig(dir, {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
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
      customers: {
        source: 'warehouse',
        name: 'Customers',
        dbt_model: { git_sync: 'analytics', name: 'customers' },
      },
      orders: {
        source: 'warehouse',
        name: 'Orders',
        dbt_model: { git_sync: 'analytics', name: 'orders' },
        primary_key: 'order_id',
      },
    },
    destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
    syncs: { customers_to_crm: { model: 'customers', destination: 'crm' } },
  });
});

afterAll(async () => {
  await db?.drop();
});

const state = (): any => JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));

it('plans and applies dbt-backed models resolved from the project', async () => {
  const plan = await cli(['plan']);
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain('Plan: 6 to add, 0 to change, 0 to destroy.');
  // the plan says what it resolved: relation, how, and the primary key chosen when primary_key is omitted
  expect(plan.stdout).toMatch(/# \(dbt model reads analytics_marts\.customers, resolved by static: /);
  expect(plan.stdout).toMatch(
    /# \(primary key "customer_id" chosen from the project \(.*\): primary_key was omitted\)/,
  );
  expect(plan.stdout).toContain('# (dbt model reads analytics_marts.all_orders, resolved by static: ');
  expect(plan.stdout).toContain('# (primary key "order_id" (set in the configuration))');
  const apply = await cli(['apply', '-auto-approve']);
  expect(apply.output).toContain('Apply complete!');
  expect(apply.code).toBe(0);
  const s = state();
  expect(s.resources['git_sync.analytics'].computed.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(s.resources['git_sync.analytics'].computed.model_count).toBe(2);
  const customers = s.resources['model.customers'].computed;
  expect(customers.relation).toEqual({ schema: 'analytics_marts', name: 'customers' });
  expect(customers.primary_key).toBe('customer_id');
  expect(customers.columns.map((c: any) => c.name)).toEqual(['customer_id', 'name']);
  expect(s.resources['model.orders'].computed.relation).toEqual({
    schema: 'analytics_marts',
    name: 'all_orders',
  });
  expect((await cli(['plan', '-detailed-exitcode'])).code).toBe(0);
});

it('lists the dbt models with relations and primary-key candidates', async () => {
  const r = await cli(['models', 'list', 'analytics', '--json']);
  expect(r.code).toBe(0);
  const list = JSON.parse(r.stdout);
  expect(list.models.map((m: any) => [m.name, m.relation.schema, m.relation.name])).toEqual([
    ['customers', 'analytics_marts', 'customers'],
    ['orders', 'analytics_marts', 'all_orders'],
  ]);
  expect(list.models[0].primary_key_candidates[0].columns).toEqual(['customer_id']);
});

it('fails the dbt CI check when a change removes a model an active sync uses', async () => {
  const checkout = mkdtempSync(join(tmpdir(), 'backflow-dbt-ci-'));
  writeFiles(checkout, { ...PROJECT, 'dbt/models/marts/customers.sql': null });
  const bad = await cli(['check', '--dbt-project', join(checkout, 'dbt')]);
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain('model.customers');
  expect(bad.stdout).toContain('sync.customers_to_crm');
  const md = await cli(['check', '--dbt-project', join(checkout, 'dbt'), '--format', 'markdown']);
  expect(md.stdout).toContain('[!CAUTION]');
  const fine = mkdtempSync(join(tmpdir(), 'backflow-dbt-ci-'));
  writeFiles(fine, PROJECT);
  const ok = await cli(['check', '--dbt-project', join(fine, 'dbt')]);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain('no change breaks an active sync');
});

it('refuses a plan after a commit that removes the model, naming commit, model and sync', async () => {
  const uncommitted = await cli(['plan', '-detailed-exitcode']);
  expect(uncommitted.code).toBe(0);
  writeFiles(repo, { 'dbt/models/marts/customers.sql': null });
  const sha = (await commitAll(repo, 'drop customers')).trim();
  const r = await cli(['plan']);
  expect(r.code).toBe(1);
  expect(r.output).toContain(`commit ${sha.slice(0, 12)}`);
  expect(r.output).toContain('model.customers');
  expect(r.output).toContain('sync.customers_to_crm');
  expect(r.output).toMatch(/does not exist/);
});

it('treats a relation moved by a new commit as a change of the model, guarded by the detachment rule', async () => {
  writeFiles(repo, {
    'dbt/models/marts/customers.sql': '{{ config(alias="customers_v2") }}\nselect 1 as customer_id\n',
  });
  await db.query(`create table analytics_marts.customers_v2 (customer_id int, name text)`);
  await db.query(`grant select on analytics_marts.customers_v2 to "${role.name}"`);
  const sha = (await commitAll(repo, 'rename relation')).trim();
  const r = await cli(['plan']);
  expect(r.code).toBe(1);
  expect(r.output).toContain('model.customers is attached to 1 active sync; its dbt model cannot change');
  expect(r.output).toContain(`Commit ${sha.slice(0, 12)} of git_sync.analytics changes the relation`);
});

it('lists a model it cannot resolve with its full reason and the warnings, and plans without it', async () => {
  writeFiles(repo, {
    'dbt/models/marts/odd.sql':
      "{{ config(alias=odd_alias_from_a_macro_that_queries_the_warehouse('with a long argument')) }}\nselect 1\n",
  });
  await commitAll(repo, 'an odd model no Backflow model uses');
  const table = await cli(['models', 'list', 'analytics']);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/ odd +\| \(unresolved: see below\)/);
  const reason =
    'dbt/models/marts/odd.sql line 1: alias of model odd cannot be read statically: odd_alias_from_a_macro_that_queries_the_warehouse() is a macro Backflow cannot run';
  expect(table.stdout).toContain(`Unresolved models (1):\n  odd: ${reason}\n`);
  expect(table.stdout).toMatch(
    /Warnings \(2\):\n.*data_tests is a dbt 1\.8 key.*\n {2}dbt\/models\/marts\/odd\.sql line 1: 1 model could not be resolved/,
  );
  const json = JSON.parse((await cli(['models', 'list', 'analytics', '--json'])).stdout);
  expect(json.models.find((m: any) => m.name === 'odd').unresolved_reason).toBe(reason);
  expect(json.warnings).toContainEqual(
    expect.objectContaining({ file: 'dbt/models/marts/odd.sql', line: 1 }),
  );
  // The plan's errors are about the models it uses (customers, changed above), never about odd.
  const plan = await cli(['plan']);
  expect(plan.output).not.toContain('odd');
});
