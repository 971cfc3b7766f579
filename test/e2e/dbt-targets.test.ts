/**
 * A Git sync's target settings reach the dbt loader: `vars` (as dbt's --vars), `target_name`,
 * `target_database`, the adapter type from the source's warehouse (for `adapter.dispatch`), and
 * `manifest_file`, a manifest outside the repository. `models list` runs the real CLI on a local repository.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { createWorkRepo } from '../helpers/git-repo';
import { scratchDir, writeConfig } from '../helpers/workspace';

const PROJECT = {
  'dbt_project.yml':
    'name: shop\nmodels:\n  shop:\n    optional:\n      +enabled: "{{ var(\'with_optional\', false) }}"\n',
  'models/orders.sql': "{{ config(schema='sales') }}\nselect 1 as order_id\n",
  'models/optional/extra.sql': 'select 1 as id\n',
  'macros/naming.sql': `{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ return(adapter.dispatch('schema_for')(custom_schema_name, node)) }}
{%- endmacro %}
{% macro default__schema_for(custom, node) -%}
  {%- if target.name == 'prod' -%}{{ custom or target.schema }}{%- else -%}{{ target.name }}_{{ custom or target.schema }}{%- endif -%}
{%- endmacro %}
{% macro snowflake__schema_for(custom, node) -%}SF_{{ (custom or target.schema) | upper }}{%- endmacro %}`,
};

let repo: string;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'backflow-targets-repo-'));
  await createWorkRepo(repo, { branch: 'main', files: PROJECT });
});

async function list(gitSync: Record<string, unknown>, warehouse = 'postgres', extra?: (dir: string) => void) {
  const dir = scratchDir('backflow-targets-');
  extra?.(dir);
  writeConfig(dir, {
    sources: {
      warehouse: {
        warehouse,
        settings:
          warehouse === 'postgres'
            ? { host: '127.0.0.1', port: 1, database: 'a', user: 'u' }
            : {
                account: 'a',
                user: 'u',
                warehouse: 'wh',
                database: 'd',
                private_key: { env: 'UNUSED_SNOWFLAKE_KEY' },
              },
      },
    },
    git_syncs: {
      analytics: { source: 'warehouse', repository: repo, default_schema: 'analytics', ...gitSync },
    },
  });
  const r = await runCli(['models', 'list', 'analytics', '--json'], {
    cwd: dir,
    env: { UNUSED_SNOWFLAKE_KEY: 'not used: models list connects to no warehouse' },
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const models = JSON.parse(r.stdout).models as any[];
  return Object.fromEntries(
    models.map((m) => [
      m.name,
      m.relation ? Object.values(m.relation).join('.') : `(${m.unresolved_reason ?? m.materialized})`,
    ]),
  );
}

it('passes target_name, target_database and vars to the project’s macros and configs', async () => {
  expect(await list({})).toEqual({
    extra: '(disabled)',
    orders: expect.stringMatching(/cannot be evaluated for this model \(target\.name is not known\)/),
  });
  expect(await list({ target_name: 'dev' })).toEqual({ extra: '(disabled)', orders: 'dev_sales.orders' });
  expect(
    await list({ target_name: 'prod', target_database: 'ANALYTICS', vars: { with_optional: true } }),
  ).toEqual({ extra: 'ANALYTICS.analytics.extra', orders: 'ANALYTICS.sales.orders' });
});

it('dispatches to the adapter of the source’s warehouse', async () => {
  expect(await list({ target_name: 'prod' }, 'snowflake')).toMatchObject({ orders: 'SF_SALES.orders' });
});

it('reads a manifest outside the repository (manifest_file) before static resolution', async () => {
  const manifest = {
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json' },
    nodes: {
      'model.shop.orders': {
        resource_type: 'model',
        name: 'orders',
        package_name: 'shop',
        unique_id: 'model.shop.orders',
        original_file_path: 'models/orders.sql',
        database: 'db',
        schema: 'from_ci',
        alias: 'orders',
        config: { materialized: 'table', enabled: true },
        columns: {},
      },
    },
  };
  const relations = await list(
    { manifest_file: 'artifacts/manifest.json', target_name: 'dev' },
    'postgres',
    (dir) => {
      mkdirSync(join(dir, 'artifacts'));
      writeFileSync(join(dir, 'artifacts', 'manifest.json'), JSON.stringify(manifest));
    },
  );
  expect(relations.orders).toBe('db.from_ci.orders');
  const dir = scratchDir('backflow-targets-');
  writeConfig(dir, {
    sources: {
      warehouse: {
        warehouse: 'postgres',
        settings: { host: '127.0.0.1', port: 1, database: 'a', user: 'u' },
      },
    },
    git_syncs: {
      analytics: {
        source: 'warehouse',
        repository: repo,
        default_schema: 'analytics',
        manifest_file: 'missing.json',
      },
    },
  });
  const r = await runCli(['models', 'list', 'analytics'], { cwd: dir });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(
    /git_sync\.analytics: manifest_file "missing\.json" cannot be read \(ENOENT: it does not exist\)/,
  );
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
