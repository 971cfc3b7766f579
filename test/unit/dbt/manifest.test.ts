/**
 * A manifest.json comes first in the resolution chain: it names the relations dbt built (with its
 * provenance in the plan); the commit still decides whether a model exists, is enabled or is ephemeral.
 */
import { byId, load, loadError, project, rel } from './helpers';

const UNRECOGNISED = `{% macro generate_schema_name(custom_schema_name, node) -%}{{ run_query('select 1') }}{%- endmacro %}`;
const PROVENANCE = 'dbt Cloud job 42 run 1234 finished 2026-11-20T10:00:00Z';

function node(id: string, fields: Record<string, unknown>) {
  const [, pkg, name] = id.split('.');
  return {
    unique_id: id,
    resource_type: 'model',
    name,
    package_name: pkg,
    original_file_path: `models/${name}.sql`,
    database: 'wh',
    schema: 'prod_core',
    alias: name,
    config: { materialized: 'table', enabled: true },
    columns: {},
    ...fields,
  };
}

function manifest(nodes: Record<string, unknown>[], version = 'v11', extra: Record<string, unknown> = {}) {
  return {
    metadata: {
      dbt_schema_version: `https://schemas.getdbt.com/dbt/manifest/${version}.json`,
      dbt_version: '1.7.4',
      project_name: 'shop',
    },
    nodes: Object.fromEntries(nodes.map((n) => [n.unique_id, n])),
    ...extra,
  };
}

const TREE = project({
  'macros/schema.sql': UNRECOGNISED,
  'models/customers.sql': 'select 1 as id',
  'models/orders.sql': '{{ config(schema=my_schema_macro()) }}\nselect 1 as id',
  'models/new_model.sql': 'select 1 as id',
  'models/retired.sql': '{{ config(enabled=false) }}\nselect 1 as id',
  'models/dim_v2.sql': 'select 1 as id',
  'models/props.yml': [
    'models:',
    '  - name: customers',
    '    description: from the commit',
    '    columns:',
    '      - name: id',
    '        tests: [unique, not_null]',
    '  - name: dim',
    '    versions:',
    '      - v: 2',
  ].join('\n'),
});

const MANIFEST = manifest([
  node('model.shop.customers', { schema: 'prod_core', alias: 'customers', description: 'from the manifest' }),
  node('model.shop.orders', { schema: 'prod_sales', alias: 'orders' }),
  node('model.shop.retired', { schema: 'prod_core', alias: 'retired' }),
  node('model.shop.dim.v2', {
    name: 'dim',
    schema: 'prod_core',
    alias: 'dim_v2',
    version: 2,
    latest_version: 2,
  }),
  node('model.shop.deleted_since', { alias: 'deleted_since' }),
  node('model.fivetran_log.connector_status', {
    schema: 'prod_fivetran',
    alias: 'connector_status',
    columns: {
      connector_id: { name: 'connector_id', description: 'id', data_type: 'text', constraints: [] },
    },
  }),
  {
    unique_id: 'test.fivetran_log.unique_connector_status_connector_id.abc',
    resource_type: 'test',
    column_name: 'connector_id',
    attached_node: 'model.fivetran_log.connector_status',
    test_metadata: { name: 'unique', kwargs: { column_name: 'connector_id' } },
    config: {},
  },
  {
    unique_id: 'test.fivetran_log.not_null_connector_status_connector_id.def',
    resource_type: 'test',
    column_name: 'connector_id',
    depends_on: { nodes: ['model.fivetran_log.connector_status'] },
    test_metadata: { name: 'not_null', kwargs: { column_name: 'connector_id' } },
    config: {},
  },
]);

describe('dbt loader: manifest first', () => {
  it('takes relations from the manifest, with its provenance', async () => {
    const c = await load(TREE, { manifest: { json: MANIFEST, provenance: PROVENANCE } });
    const customers = byId(c, 'model.shop.customers');
    expect(rel(customers)).toBe('wh.prod_core.customers');
    expect(customers.resolution).toEqual({ via: 'manifest', detail: `manifest (${PROVENANCE})` });
    // documentation comes from the commit
    expect(customers.description).toBe('from the commit');
    expect(customers.primaryKeyCandidates).toEqual([{ columns: ['id'], from: 'tests' }]);
    expect(rel(byId(c, 'model.shop.dim.v2'))).toBe('wh.prod_core.dim_v2');
  });

  it('needs no static value for a model the manifest knows (a macro in config())', async () => {
    const c = await load(TREE, { manifest: { json: MANIFEST, provenance: PROVENANCE } });
    expect(rel(byId(c, 'model.shop.orders'))).toBe('wh.prod_sales.orders');
  });

  it("keeps the commit's word on whether a model is built", async () => {
    const c = await load(TREE, { manifest: { json: MANIFEST, provenance: PROVENANCE } });
    expect(rel(byId(c, 'model.shop.retired'))).toBe('(none: disabled)');
    expect(c.models.some((m) => m.name === 'deleted_since')).toBe(false);
    expect(c.warnings).toContainEqual({
      file: 'models/deleted_since.sql',
      message: `model deleted_since is in the manifest (${PROVENANCE}) but not in the repository at this commit: left out`,
    });
  });

  it('says why a model the manifest does not know has no relation', async () => {
    const c = await load(TREE, { manifest: { json: MANIFEST, provenance: PROVENANCE } });
    expect(byId(c, 'model.shop.new_model').unresolvedReason).toMatch(
      /generate_schema_name in macros\/schema\.sql cannot be evaluated for this model \(run_query\(\) queries the warehouse.*\): provide a manifest/,
    );
    const noOverride = await load(
      project({
        'models/new_model.sql': 'select 1',
        'models/odd.sql': '{{ config(alias=a_macro()) }} select 1',
      }),
      { manifest: { json: manifest([]), provenance: PROVENANCE } },
    );
    expect(rel(byId(noOverride, 'model.shop.new_model'))).toBe('analytics.new_model');
    expect(noOverride.warnings).toContainEqual({
      file: 'models/new_model.sql',
      message: `model new_model is not in the manifest (${PROVENANCE}): resolved statically`,
    });
    expect(byId(noOverride, 'model.shop.odd').unresolvedReason).toMatch(
      /^models\/odd\.sql line 1: alias of model odd cannot be read statically: a_macro\(\) is a macro Backflow cannot run; the model is not in the manifest/,
    );
  });

  it('adds package models only the manifest knows (dbt_packages is not committed)', async () => {
    const c = await load(TREE, { manifest: { json: MANIFEST, provenance: PROVENANCE } });
    const m = byId(c, 'model.fivetran_log.connector_status');
    expect(m).toMatchObject({
      file: 'dbt_packages/fivetran_log/models/connector_status.sql',
      relation: { database: 'wh', schema: 'prod_fivetran', name: 'connector_status' },
      materialized: 'table',
      columns: [{ name: 'connector_id', description: 'id', dataType: 'text', tests: ['unique', 'not_null'] }],
      primaryKeyCandidates: [{ columns: ['connector_id'], from: 'tests' }],
    });
  });

  it('accepts the manifest as text, and v9 to v12', async () => {
    for (const v of ['v9', 'v10', 'v12']) {
      const c = await load(TREE, {
        manifest: {
          json: JSON.stringify(manifest(MANIFEST.nodes ? (Object.values(MANIFEST.nodes) as any) : [], v)),
          provenance: 'target/manifest.json',
        },
      });
      expect(byId(c, 'model.shop.customers').resolution.detail).toBe('manifest (target/manifest.json)');
    }
  });

  it('rejects what is not a supported manifest, saying which versions are', async () => {
    const old = await loadError(TREE, {
      manifest: { json: manifest([], 'v7'), provenance: 'target/manifest.json' },
    });
    expect(old.message).toBe(
      'target/manifest.json: manifest schema v7 is not supported (supported: v9, v10, v11, v12)',
    );
    expect(old.hint).toMatch(/dbt 1\.5 to 1\.10/);
    const notManifest = await loadError(TREE, { manifest: { json: { nodes: {} }, provenance: 'x.json' } });
    expect(notManifest.message).toMatch(
      /x\.json: this is not a dbt manifest: metadata\.dbt_schema_version is missing/,
    );
    const badJson = await loadError(TREE, {
      manifest: { json: '{\n  "metadata": {,\n}', provenance: 'target/manifest.json' },
    });
    expect(badJson.file).toBe('target/manifest.json');
    expect(badJson.line).toBe(2);
    expect(badJson.message).toMatch(/the manifest is not valid JSON/);
  });
});
