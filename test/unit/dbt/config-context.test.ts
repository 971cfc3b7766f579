/**
 * Config values evaluated with dbt's context: the project's own macros (called in config() and in `{% set
 * %}` before it), installed packages' macros (`<package>.<macro>`, `adapter.dispatch(..., '<package>')`,
 * unqualified inside the package), `modules.re` / `modules.datetime`, `config(**mapping)`, config()
 * inside `{% if %}`, and `{% if %}` inside YAML config values. Expected relations follow dbt's default
 * naming (`<target schema>_<custom>`); what depends on the clock or the warehouse stays unresolved.
 */
import { byId, load, project, rel, unresolved } from './helpers';

const META_MACROS = `
{% macro chain_cfg(chain) %}
  {{ return({'name': chain, 'schema': 'chains_' ~ chain, 'enabled': chain != 'retired'}) }}
{% endmacro %}

{% macro schema_for(area) -%}
  {%- set parts = area.split('/') -%}
  {{ parts | join('_') }}
{%- endmacro %}
`;

describe('config values with dbt context', () => {
  it("runs the project's macros called in config() and in {% set %} before it", async () => {
    const c = await load(
      project({
        'macros/meta.sql': META_MACROS,
        'models/a.sql':
          "{%- set cfg = chain_cfg('polygon') -%}\n{{ config(schema=cfg.schema, alias=cfg.name ~ '_trades') }}\nselect 1",
        'models/b.sql': "{{ config(schema=schema_for('sales/emea')) }}\nselect 1",
        'models/c.sql': "{%- set cfg = chain_cfg('retired') -%}\n{{ config(enabled=cfg.enabled) }}\nselect 1",
      }),
    );
    expect(rel(byId(c, 'model.shop.a'))).toBe('analytics_chains_polygon.polygon_trades');
    expect(rel(byId(c, 'model.shop.b'))).toBe('analytics_sales_emea.b');
    expect(byId(c, 'model.shop.c').enabled).toBe(false);
  });

  it("reaches installed packages' macros by namespace and through adapter.dispatch", async () => {
    const c = await load(
      project({
        'dbt_packages/helpers/dbt_project.yml': "name: helpers\nversion: '1.0'\nconfig-version: 2\n",
        'dbt_packages/helpers/macros/naming.sql': [
          '{% macro slug(x) %}{{ return(adapter.dispatch("slug", "helpers")(x)) }}{% endmacro %}',
          "{% macro default__slug(x) %}{{ return(x | lower | replace(' ', '_')) }}{% endmacro %}",
          "{% macro postgres__slug(x) %}{{ return('pg_' ~ (x | lower | replace(' ', '_'))) }}{% endmacro %}",
          // calls a sibling unqualified, as package macros do
          '{% macro twice(x) %}{{ return(slug(x) ~ "_" ~ slug(x)) }}{% endmacro %}',
        ].join('\n'),
        'models/a.sql': "{{ config(alias=helpers.slug('Big Orders')) }}\nselect 1",
        'models/b.sql': "{{ config(alias=helpers.twice('X Y')) }}\nselect 1",
      }),
    );
    expect(rel(byId(c, 'model.shop.a'))).toBe('analytics.big_orders');
    expect(rel(byId(c, 'model.shop.b'))).toBe('analytics.x_y_x_y');
    // the models of an unconfigured package are skipped, its macros are loaded
    expect(c.warnings.map((w) => w.message).join('\n')).not.toMatch(/models of package helpers/);
    const pg = await load(
      project({
        'dbt_packages/helpers/dbt_project.yml': "name: helpers\nversion: '1.0'\nconfig-version: 2\n",
        'dbt_packages/helpers/macros/naming.sql':
          '{% macro slug(x) %}{{ return(adapter.dispatch("slug", "helpers")(x)) }}{% endmacro %}\n' +
          '{% macro default__slug(x) %}{{ return(x | lower) }}{% endmacro %}\n' +
          "{% macro postgres__slug(x) %}{{ return('pg_' ~ (x | lower)) }}{% endmacro %}",
        // the root project's own default__slug wins over the package's (dbt's dispatch search order)
        'macros/override.sql':
          "{% macro postgres__slug(x) %}{{ return('mine_' ~ (x | lower)) }}{% endmacro %}",
        'models/a.sql': "{{ config(alias=helpers.slug('A')) }}\nselect 1",
      }),
      { adapterType: 'postgres' },
    );
    expect(rel(byId(pg, 'model.shop.a'))).toBe('analytics.mine_a');
  });

  it('names the macro a model needs when the package holding it is not installed', async () => {
    const { reason } = await unresolved(
      project({ 'models/a.sql': "{{ config(alias=helpers.slug('A')) }}\nselect 1" }),
      'a',
    );
    expect(reason).toMatch(
      /^models\/a\.sql line 1: alias of model a cannot be read statically: "helpers" is not known/,
    );
  });

  it('evaluates modules.re, and leaves a relation that depends on the clock unresolved', async () => {
    const c = await load(
      project({
        'models/a.sql':
          "{{ config(alias=modules.re.sub('[^a-z0-9]+', '_', 'Orders (EU) v2'.lower())) }}\nselect 1",
        'models/b.sql':
          "{% set m = modules.re.match('(?P<area>[a-z]+)_(\\\\d+)', 'sales_2024') %}\n{{ config(schema=m.group('area') ~ m.group(2)) }}\nselect 1",
        'models/c.sql':
          "{{ config(schema='snap_' ~ modules.datetime.datetime.now().strftime('%Y')) }}\nselect 1",
        'models/d.sql': "{{ config(schema='snap_' ~ run_started_at.strftime('%Y')) }}\nselect 1",
      }),
    );
    expect(rel(byId(c, 'model.shop.a'))).toBe('analytics.orders_eu_v2');
    expect(rel(byId(c, 'model.shop.b'))).toBe('analytics_sales2024.b');
    expect(byId(c, 'model.shop.c').unresolvedReason).toMatch(
      /schema of model c cannot be read statically: modules\.datetime\.datetime\.now\(\) is not known/,
    );
    expect(byId(c, 'model.shop.d').unresolvedReason).toMatch(/run_started_at is not known/);
  });

  it('reads config(**mapping), falling back to lower precedence for keys the mapping lacks', async () => {
    const c = await load(
      project({
        'dbt_project.yml':
          "name: shop\nversion: '1.0'\nconfig-version: 2\nmodels:\n  shop:\n    +schema: marts\n",
        'models/a.sql':
          "{% set opts = {'alias': 'orders_a', 'materialized': 'table'} %}\n{{ config(**opts) }}\nselect 1",
        'models/b.sql': "{{ config(tags=['x'], **{'schema': 'other'}) }}\nselect 1",
      }),
    );
    const a = byId(c, 'model.shop.a');
    expect(rel(a)).toBe('analytics_marts.orders_a');
    expect(a.materialized).toBe('table');
    expect(rel(byId(c, 'model.shop.b'))).toBe('analytics_other.b');
  });

  it('applies config() inside {% if %} exactly when its condition holds', async () => {
    const file =
      "{% if target.name == 'prod' %}\n{{ config(alias='a_prod') }}\n{% elif var('eu', false) %}\n{{ config(alias='a_eu') }}\n{% else %}\n{{ config(alias='a_dev') }}\n{% endif %}\nselect 1";
    const tree = project({
      'models/a.sql': file,
      'models/props.yml': 'models:\n  - name: a\n    config:\n      schema: s\n',
    });
    expect(rel(byId(await load(tree, { targetName: 'prod' }), 'model.shop.a'))).toBe('analytics_s.a_prod');
    expect(rel(byId(await load(tree, { targetName: 'dev' }), 'model.shop.a'))).toBe('analytics_s.a_dev');
    expect(rel(byId(await load(tree, { targetName: 'dev', vars: { eu: true } }), 'model.shop.a'))).toBe(
      'analytics_s.a_eu',
    );
    // a false condition leaves the key to the configs below: here, none (the model's name)
    const only = project({
      'models/a.sql': "{% if target.name == 'prod' %}\n{{ config(alias='a_prod') }}\n{% endif %}\nselect 1",
    });
    expect(rel(byId(await load(only, { targetName: 'dev' }), 'model.shop.a'))).toBe('analytics.a');
  });

  it('renders {% if %} inside YAML config values, with project macros', async () => {
    const c = await load(
      project({
        'dbt_project.yml': [
          'name: shop',
          "version: '1.0'",
          'config-version: 2',
          'models:',
          '  shop:',
          '    +schema: "{% if target.name == \'prod\' %}marts{% else %}dev_marts{% endif %}"',
          '    legacy:',
          '      +enabled: "{% if var(\'legacy\', false) %}true{% else %}false{% endif %}"',
        ].join('\n'),
        'macros/meta.sql': META_MACROS,
        'models/a.sql': 'select 1',
        'models/legacy/old.sql': 'select 1',
        'models/p/b.sql': 'select 1',
        'models/p/props.yml':
          'models:\n  - name: b\n    config:\n      alias: "{% set x = schema_for(\'a/b\') %}{{ x }}_v{% if true %}2{% endif %}"\n',
      }),
      { targetName: 'prod' },
    );
    expect(rel(byId(c, 'model.shop.a'))).toBe('analytics_marts.a');
    expect(byId(c, 'model.shop.old').enabled).toBe(false);
    expect(rel(byId(c, 'model.shop.b'))).toBe('analytics_marts.a_b_v2');
  });

  it('bounds a config macro that recurses forever or loops without end; a 10 MB model file loads', async () => {
    const big = `{{ config(alias='big_one') }}\nselect 1 as id\n${'-- padding line of a generated model\n'.repeat(290_000)}`;
    expect(big.length).toBeGreaterThan(10_000_000);
    const t0 = process.hrtime.bigint();
    const c = await load(
      project({
        'macros/bad.sql': [
          '{% macro forever(x) %}{{ return(forever(x)) }}{% endmacro %}',
          '{% macro spin() %}{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}{% endfor %}{% endfor %}{% endfor %}{% endmacro %}',
        ].join('\n'),
        'models/a.sql': "{{ config(schema=forever('x')) }}\nselect 1",
        'models/b.sql': '{{ config(alias=spin()) }}\nselect 1',
        'models/big.sql': big,
        'models/fine.sql': 'select 1',
      }),
    );
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    expect(byId(c, 'model.shop.a').unresolvedReason).toMatch(
      /^models\/a\.sql line 1: schema of model a cannot be read statically: macros call each other more than 64 deep \(forever in macros\/bad\.sql recurses without end\?\)/,
    );
    expect(byId(c, 'model.shop.b').unresolvedReason).toMatch(
      /^models\/b\.sql line 1: alias of model b cannot be read statically: the template runs more than \d+ steps/,
    );
    expect(rel(byId(c, 'model.shop.big'))).toBe('analytics.big_one');
    expect(rel(byId(c, 'model.shop.fine'))).toBe('analytics.fine');
    // not a timing assertion on speed, a bound on hanging: the whole load finishes
    expect(seconds).toBeLessThan(60);
  });
});
