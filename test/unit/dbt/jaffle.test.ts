/**
 * The fixture project test/fixtures/dbt/jaffle (a repository whose dbt project is in transform/). Every
 * expected relation below is written by hand from dbt's documented naming: generate_schema_name gives
 * `<target_schema>_<custom schema>` (or the target schema), generate_alias_name the alias or the model name
 * (`<name>_v<version>` for versions), generate_database_name the custom database or the target's.
 */
import {
  findModel,
  folderFiles,
  loadDbtProject,
  suggestModel,
  type DbtCatalog,
} from '../../../src/adapters/dbt';
import { BASE, byId, JAFFLE, rel } from './helpers';

async function jaffle(extra: Partial<typeof BASE> = {}): Promise<DbtCatalog> {
  return (await loadDbtProject(folderFiles(JAFFLE), { ...BASE, projectPath: 'transform', ...extra })).catalog;
}

describe('dbt loader: the jaffle fixture project', () => {
  let catalog: DbtCatalog;
  beforeAll(async () => {
    catalog = await jaffle();
  });

  it('resolves every model to the relation dbt would build', () => {
    const relations = Object.fromEntries(catalog.models.map((m) => [m.uniqueId, rel(m)]));
    expect(relations).toEqual({
      // marts/: +schema from var('marts_schema') = 'marts'; customers is configured by name (incremental)
      'model.jaffle_shop.customers': 'analytics_marts.customers',
      // versions: alias <name>_v<v>; latest_version 1 although 2 exists
      'model.jaffle_shop.dim_customers.v1': 'analytics_marts.dim_customers_v1',
      'model.jaffle_shop.dim_customers.v2': 'analytics_marts.dim_customers_v2',
      // a configured package: the root project's +schema (extras) beats the package's own (pkg_default);
      // its var ext_alias scoped in the root project beats the package's own vars
      'model.segment_extras.extra_events': 'analytics_extras.root_alias',
      // v1 defined_in fct_events_legacy.sql; v2 (the latest, by order) defined in fct_events.sql
      'model.jaffle_shop.fct_events.v1': 'analytics_marts.fct_events_v1',
      'model.jaffle_shop.fct_events.v2': 'analytics_marts.fct_events_v2',
      // re-included by a ! pattern in .dbtignore
      'model.jaffle_shop.important_wip': 'analytics_marts.important_wip',
      'model.jaffle_shop.int_orders': '(none: ephemeral)',
      // config() schema beats properties' schema and dbt_project.yml's; properties' alias applies
      'model.jaffle_shop.orders': 'analytics_sales.fct_orders',
      // +database from env_var default; schema from config(schema=env_var(..., 'payments')); alias from properties
      'model.jaffle_shop.payments_summary': 'finance_db.analytics_payments.pay_summary',
      // finance/: +schema finance, +database finance_db; +alias from a var scoped to the root project
      'model.jaffle_shop.revenue': 'finance_db.analytics_finance.fin_revenue',
      'model.jaffle_shop.stg_customers': 'analytics_staging.stg_customers',
      // staging/legacy: `enabled: false` without +
      'model.jaffle_shop.stg_old': '(none: disabled)',
      'model.jaffle_shop.stg_orders': 'analytics_staging.orders_stg',
      'model.jaffle_shop.stg_payments': 'analytics_staging.stg_payments',
      // the second model path; enabled from "{{ var('reporting_enabled', true) }}"; schema from properties
      'model.jaffle_shop.weekly_report': 'analytics_reporting.weekly_report',
    });
  });

  it('leaves out .dbtignore-d files and unconfigured packages, and says so for packages', () => {
    const files = catalog.models.map((m) => m.file);
    expect(files).not.toContain('transform/models/scratch/ignored_model.sql');
    expect(files).not.toContain('transform/models/staging/stg_draft_wip.sql');
    expect(files.some((f) => f.includes('unused_pkg'))).toBe(false);
    expect(catalog.warnings).toContainEqual({
      file: 'transform/dbt_packages/unused_pkg/dbt_project.yml',
      message: expect.stringMatching(
        /the models of package unused_pkg .* are skipped: the root project does not configure it.*its macros are loaded/,
      ),
    });
  });

  it('reads materializations and languages with dbt precedence', () => {
    const m = (id: string) => byId(catalog, `model.jaffle_shop.${id}`);
    expect(m('customers').materialized).toBe('incremental'); // most specific path in dbt_project.yml
    expect(m('orders').materialized).toBe('table'); // config() in the file
    expect(m('stg_customers').materialized).toBe('view'); // project-wide +materialized
    expect(m('int_orders').materialized).toBe('ephemeral');
    expect(m('stg_payments')).toMatchObject({ language: 'python', materialized: 'table' });
    expect(m('stg_old')).toMatchObject({ enabled: false, unresolvedReason: 'disabled' });
    expect(byId(catalog, 'model.segment_extras.extra_events').materialized).toBe('table'); // the package's own config
  });

  it('names models, versions and files as dbt does', () => {
    const v1 = byId(catalog, 'model.jaffle_shop.fct_events.v1');
    expect(v1).toMatchObject({
      name: 'fct_events',
      version: 1,
      latestVersion: 2,
      file: 'transform/models/marts/fct_events_legacy.sql',
    });
    expect(byId(catalog, 'model.jaffle_shop.fct_events.v2').file).toBe(
      'transform/models/marts/fct_events.sql',
    );
    expect(byId(catalog, 'model.jaffle_shop.dim_customers.v2')).toMatchObject({
      version: 2,
      latestVersion: 1,
    });
    expect(catalog.models.map((m) => `${m.name}${m.version === undefined ? '' : `@${m.version}`}`)).toEqual([
      'customers',
      'dim_customers@1',
      'dim_customers@2',
      'extra_events',
      'fct_events@1',
      'fct_events@2',
      'important_wip',
      'int_orders',
      'orders',
      'payments_summary',
      'revenue',
      'stg_customers',
      'stg_old',
      'stg_orders',
      'stg_payments',
      'weekly_report',
    ]);
  });

  it('finds models by name (the latest version by default) and suggests close names', () => {
    expect(findModel(catalog, 'dim_customers')?.uniqueId).toBe('model.jaffle_shop.dim_customers.v1');
    expect(findModel(catalog, 'dim_customers', 2)?.uniqueId).toBe('model.jaffle_shop.dim_customers.v2');
    expect(findModel(catalog, 'dim_customers', '2')?.uniqueId).toBe('model.jaffle_shop.dim_customers.v2');
    expect(findModel(catalog, 'fct_events')?.uniqueId).toBe('model.jaffle_shop.fct_events.v2');
    expect(findModel(catalog, 'orders')?.relation).toEqual({ schema: 'analytics_sales', name: 'fct_orders' });
    expect(findModel(catalog, 'dim_customers', 3)).toBeUndefined();
    expect(findModel(catalog, 'ordres')).toBeUndefined();
    expect(suggestModel(catalog, 'ordres')).toBe('orders');
    expect(suggestModel(catalog, 'stg_customer')).toBe('stg_customers');
    expect(suggestModel(catalog, 'zzz')).toBeUndefined();
  });

  it('reads descriptions and columns, with versions including and excluding columns', () => {
    expect(byId(catalog, 'model.jaffle_shop.stg_orders').description).toBe(
      'One row per order, as the shop records it.\n',
    );
    const cols = (id: string) => byId(catalog, id).columns.map((c) => c.name);
    expect(cols('model.jaffle_shop.dim_customers.v1')).toEqual(['customer_id', 'country']);
    expect(cols('model.jaffle_shop.dim_customers.v2')).toEqual([
      'customer_id',
      'country',
      'email',
      'country_code',
    ]);
    expect(byId(catalog, 'model.jaffle_shop.dim_customers.v1').description).toBe('Customers, versioned.');
    expect(byId(catalog, 'model.jaffle_shop.dim_customers.v2').description).toBe(
      'Customers with ISO country codes.',
    );
    expect(byId(catalog, 'model.jaffle_shop.stg_customers').columns[0]).toEqual({
      name: 'customer_id',
      description: 'The primary key.',
      dataType: 'integer',
      tests: ['unique', 'not_null'],
    });
    expect(byId(catalog, 'model.jaffle_shop.stg_orders').columns[1].tests).toEqual(['accepted_values']);
  });

  it('offers primary-key candidates from constraints, unique + not_null tests and dbt_utils', () => {
    const pk = (id: string) => byId(catalog, `model.${id}`).primaryKeyCandidates;
    expect(pk('jaffle_shop.orders')).toEqual([
      { columns: ['order_id'], from: 'constraint' }, // also tested unique + not_null: listed once
      { columns: ['order_id', 'line_no'], from: 'dbt_utils.unique_combination_of_columns' },
    ]);
    expect(pk('jaffle_shop.revenue')).toEqual([{ columns: ['revenue_id'], from: 'constraint' }]);
    expect(pk('jaffle_shop.customers')).toEqual([{ columns: ['customer_id'], from: 'tests' }]); // data_tests
    expect(pk('jaffle_shop.stg_customers')).toEqual([{ columns: ['customer_id'], from: 'tests' }]); // email: unique has a where
    expect(pk('jaffle_shop.payments_summary')).toEqual([]); // unique with a where proves nothing
    expect(pk('jaffle_shop.dim_customers.v1')).toEqual([{ columns: ['customer_id'], from: 'tests' }]);
    expect(pk('segment_extras.extra_events')).toEqual([{ columns: ['event_id'], from: 'tests' }]);
    expect(pk('jaffle_shop.weekly_report')).toEqual([]);
  });

  it('shows where each relation came from', () => {
    expect(byId(catalog, 'model.jaffle_shop.revenue').resolution).toEqual({
      via: 'static',
      detail:
        "static: +database 'finance_db' from transform/dbt_project.yml models.jaffle_shop.marts.finance; " +
        "+schema 'finance' from transform/dbt_project.yml models.jaffle_shop.marts.finance; " +
        "+alias 'fin_revenue' from transform/dbt_project.yml models.jaffle_shop.marts.finance.revenue",
    });
    expect(byId(catalog, 'model.jaffle_shop.orders').resolution.detail).toBe(
      "static: schema 'sales' from config() in transform/models/marts/core/orders.sql line 1; " +
        "alias 'fct_orders' from transform/models/marts/_marts.yml line 16",
    );
    expect(byId(catalog, 'model.jaffle_shop.stg_orders').resolution.detail).toMatch(
      /alias 'orders_stg' from config\(\) in transform\/models\/staging\/stg_orders.sql line 3$/,
    );
    expect(byId(catalog, 'model.jaffle_shop.important_wip').resolution.detail).toBe(
      "static: +schema 'marts' from transform/dbt_project.yml models.jaffle_shop.marts",
    );
    expect(catalog.overrides).toEqual([]);
  });

  it('warns that data_tests is a dbt 1.8 key when the project is 1.7', async () => {
    expect(catalog.warnings).toContainEqual({
      file: 'transform/models/marts/_marts.yml',
      message: expect.stringMatching(/data_tests is a dbt 1.8 key/),
    });
    const v18 = await jaffle({ dbtVersion: '1.8' });
    expect(v18.warnings.some((w) => /data_tests/.test(w.message))).toBe(false);
  });

  it('applies vars (command-line vars first), env vars and the target database', async () => {
    const c = await jaffle({
      vars: { marts_schema: 'mart', reporting_enabled: false },
      env: { FINANCE_DB: 'fin_prod', PAY_SCHEMA: 'pay' },
      targetDatabase: 'warehouse',
    });
    expect(rel(byId(c, 'model.jaffle_shop.customers'))).toBe('warehouse.analytics_mart.customers');
    expect(rel(byId(c, 'model.jaffle_shop.revenue'))).toBe('fin_prod.analytics_finance.fin_revenue');
    expect(rel(byId(c, 'model.jaffle_shop.payments_summary'))).toBe('fin_prod.analytics_pay.pay_summary');
    expect(rel(byId(c, 'model.jaffle_shop.weekly_report'))).toBe('(none: disabled)');
    expect(c.digest).not.toBe(catalog.digest);
  });

  it('gives the same digest for the same project, and a plain-data catalog', async () => {
    const again = await jaffle();
    expect(again.digest).toBe(catalog.digest);
    expect(again.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(JSON.stringify(again))).toEqual(again);
  });
});
