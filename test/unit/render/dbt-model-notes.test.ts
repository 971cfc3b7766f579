/**
 * A dbt-backed model's change says, in all three views, which relation it reads, how that was resolved
 * (manifest, dbt Cloud run, static with which override) and the primary key chosen when `primary_key` was
 * omitted — from the `computed` values the planner attaches (engine/dbt-changes.ts).
 */
import { renderHuman } from '../../../src/render/human';
import { toJsonPlan } from '../../../src/render/json-plan';
import { renderMarkdown } from '../../../src/render/markdown';
import { PlanBuilder } from './plan-builder';

const ATTRS = {
  source: 'warehouse',
  name: 'Customers',
  dbt_model: { git_sync: 'analytics', name: 'customers' },
};

function plan() {
  return new PlanBuilder()
    .create('model.customers', ATTRS, {
      computed: {
        relation: { database: 'prod', schema: 'analytics_marts', name: 'customers' },
        resolution:
          "static-override: static-override: generate_schema_name in macros/naming.sql (custom_schema_only); schema 'marts' from config() in models/customers.sql line 1",
        primary_key: 'customer_id',
        primary_key_from: 'the project (unique + not_null tests)',
      },
    })
    .create(
      'model.orders',
      { ...ATTRS, name: 'Orders', primary_key: 'order_id' },
      {
        computed: {
          relation: { schema: 'marts', name: 'orders' },
          resolution: 'manifest: manifest (dbt Cloud job 42 run 1234, finished 2026-12-01T10:00:00Z)',
          primary_key: 'order_id',
          primary_key_from: 'configuration',
        },
      },
    )
    .build();
}

const CUSTOMERS = [
  "dbt model reads prod.analytics_marts.customers, resolved by static-override: generate_schema_name in macros/naming.sql (custom_schema_only); schema 'marts' from config() in models/customers.sql line 1",
  'primary key "customer_id" chosen from the project (unique + not_null tests): primary_key was omitted',
];
const ORDERS = [
  'dbt model reads marts.orders, resolved by manifest (dbt Cloud job 42 run 1234, finished 2026-12-01T10:00:00Z)',
  'primary key "order_id" (set in the configuration)',
];

describe('plans of dbt-backed models', () => {
  it('JSON: notes with the relation, its resolution and the primary key', () => {
    const json = toJsonPlan(plan());
    const notes = Object.fromEntries(json.resource_changes.map((c) => [c.address, c.notes]));
    expect(notes['model.customers']).toEqual(CUSTOMERS);
    expect(notes['model.orders']).toEqual(ORDERS);
  });

  it('human and Markdown: the same notes under each change', () => {
    const human = renderHuman(plan(), { color: false });
    const md = renderMarkdown(plan());
    for (const note of [...CUSTOMERS, ...ORDERS]) {
      expect(human).toContain(`# (${note})`);
      expect(md).toContain(`_(${note})_`);
    }
  });
});
