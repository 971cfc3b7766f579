/**
 * Projects that override dbt's naming macros. Every override is run for each model with dbt's context;
 * catalog.overrides says which known pattern it matches (or `evaluated`). What cannot be evaluated (the
 * warehouse, run_started_at, unknown node attributes, endless recursion) leaves the model unresolved,
 * naming the macro. Expected schemas follow dbt's documented macros: the default gives
 * `<target>_<custom>`, "custom schema only" gives `<custom>`, generate_schema_name_for_env gives `<custom>`
 * only when the target is named 'prod' and the target schema otherwise.
 */
import { byId, load, project, rel } from './helpers';

const MODELS = {
  'models/plain.sql': 'select 1 as id',
  'models/marts/with_custom.sql': "{{ config(schema=' marts ') }}\nselect 1 as id",
  'models/versioned_v2.sql': 'select 1 as id',
  'models/props.yml': 'models:\n  - name: versioned\n    versions:\n      - v: 2\n',
};

function withMacro(file: string, text: string, extra: Record<string, string> = {}) {
  return project({ ...MODELS, [`macros/${file}`]: text, ...extra });
}

async function relations(tree: Record<string, string>, opts = {}) {
  const c = await load(tree, opts);
  return {
    c,
    plain: rel(byId(c, 'model.shop.plain')),
    custom: rel(byId(c, 'model.shop.with_custom')),
    versioned: rel(byId(c, 'model.shop.versioned.v2')),
  };
}

const CUSTOM_ONLY = `
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}
        {{ default_schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
`;

const CALLS_FOR_ENV = `
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ generate_schema_name_for_env(custom_schema_name, node) }}
{%- endmacro %}
`;

const INLINE_FOR_ENV = `
{# a copy of dbt's generate_schema_name_for_env, written into the project #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if target.name == 'prod' and custom_schema_name is not none -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ default_schema }}
    {%- endif -%}
{%- endmacro %}
`;

describe('dbt loader: naming macro overrides', () => {
  it('without overrides, uses dbt defaults: <target>_<custom>, alias <name>_v<version>', async () => {
    const r = await relations(project(MODELS));
    expect(r).toMatchObject({
      plain: 'analytics.plain',
      custom: 'analytics_marts.with_custom',
      versioned: 'analytics.versioned_v2',
    });
    expect(r.c.overrides).toEqual([]);
  });

  it('resolves the "custom schema only" pattern', async () => {
    const r = await relations(withMacro('get_custom_schema.sql', CUSTOM_ONLY));
    expect(r).toMatchObject({
      plain: 'analytics.plain',
      custom: 'marts.with_custom',
      versioned: 'analytics.versioned_v2',
    });
    expect(r.c.overrides).toEqual([
      {
        macro: 'generate_schema_name',
        file: 'macros/get_custom_schema.sql',
        handledAs: 'custom_schema_only',
      },
    ]);
    expect(byId(r.c, 'model.shop.with_custom').resolution).toEqual({
      via: 'static-override',
      detail:
        "static-override: generate_schema_name in macros/get_custom_schema.sql (custom_schema_only); schema ' marts ' from config() in models/marts/with_custom.sql line 1",
    });
  });

  it('recognises "custom schema only" however it is spelt', async () => {
    const spelling = `{% macro generate_schema_name(schema_name, node) %}{{ schema_name | trim if schema_name else target.schema }}{% endmacro %}`;
    const r = await relations(withMacro('schema.sql', spelling));
    expect(r).toMatchObject({ plain: 'analytics.plain', custom: 'marts.with_custom' });
    expect(r.c.overrides[0].handledAs).toBe('custom_schema_only');
  });

  it('resolves generate_schema_name_for_env: the target schema unless the target is prod', async () => {
    const dev = await relations(withMacro('get_custom_schema.sql', CALLS_FOR_ENV));
    expect(dev).toMatchObject({ plain: 'analytics.plain', custom: 'analytics.with_custom' });
    expect(dev.c.overrides).toEqual([
      {
        macro: 'generate_schema_name',
        file: 'macros/get_custom_schema.sql',
        handledAs: 'generate_schema_name_for_env',
      },
    ]);
    const prod = await relations(withMacro('get_custom_schema.sql', CALLS_FOR_ENV), { targetName: 'prod' });
    expect(prod).toMatchObject({ plain: 'analytics.plain', custom: 'marts.with_custom' });
    const ci = await relations(withMacro('get_custom_schema.sql', CALLS_FOR_ENV), { targetName: 'ci' });
    expect(ci.custom).toBe('analytics.with_custom');
  });

  it('recognises an inline copy of generate_schema_name_for_env', async () => {
    const prod = await relations(withMacro('get_custom_schema.sql', INLINE_FOR_ENV), { targetName: 'prod' });
    expect(prod.custom).toBe('marts.with_custom');
    expect(prod.c.overrides[0].handledAs).toBe('generate_schema_name_for_env');
    const unknownTarget = await relations(withMacro('get_custom_schema.sql', INLINE_FOR_ENV));
    expect(unknownTarget.custom).toBe('analytics.with_custom'); // assumed not prod
  });

  it("uses the project's own generate_schema_name_for_env when it defines one", async () => {
    const own = `${CALLS_FOR_ENV}
{% macro generate_schema_name_for_env(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}`;
    const r = await relations(withMacro('schemas.sql', own));
    expect(r.custom).toBe('marts.with_custom');
    expect(r.c.overrides).toEqual([
      { macro: 'generate_schema_name', file: 'macros/schemas.sql', handledAs: 'custom_schema_only' },
    ]);
  });

  it('recognises a copy of the default, and dispatch variants (default__...)', async () => {
    const copy = `{% macro default__generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}{{ default_schema }}{%- else -%}{{ default_schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {{ custom_alias_name | trim }}
    {%- elif node.version -%}
        {{ return(node.name ~ "_v" ~ (node.version | replace(".", "_"))) }}
    {%- else -%}
        {{ node.name }}
    {%- endif -%}
{%- endmacro %}`;
    const r = await relations(withMacro('naming.sql', copy));
    expect(r).toMatchObject({
      plain: 'analytics.plain',
      custom: 'analytics_marts.with_custom',
      versioned: 'analytics.versioned_v2',
    });
    expect(r.c.overrides).toEqual([
      { macro: 'default__generate_schema_name', file: 'macros/naming.sql', handledAs: 'default' },
      { macro: 'generate_alias_name', file: 'macros/naming.sql', handledAs: 'default' },
    ]);
  });

  // Overrides that match no known pattern are run as written, with dbt's context, for each model.
  const EVALUATED: [string, string, Record<string, unknown>, Record<string, string>][] = [
    [
      'reads node.fqn',
      `{% macro generate_schema_name(custom_schema_name, node) -%}{{ node.fqn[1] if node.fqn | length > 2 else target.schema }}{%- endmacro %}`,
      {},
      { plain: 'analytics.plain', custom: 'marts.with_custom', versioned: 'versioned.versioned_v2' },
    ],
    [
      'dispatches through the adapter to the adapter variant, else default__',
      `{% macro generate_schema_name(custom_schema_name, node) -%}{{ return(adapter.dispatch('my_schema')(custom_schema_name, node)) }}{%- endmacro %}
       {% macro default__my_schema(c, node) %}{{ 'dflt_' ~ target.schema }}{% endmacro %}
       {% macro snowflake__my_schema(c, node) %}{{ 'sf_' ~ target.schema }}{% endmacro %}`,
      { adapterType: 'snowflake' },
      { plain: 'sf_analytics.plain' },
    ],
    [
      'dispatches to default__ on another adapter',
      `{% macro generate_schema_name(custom_schema_name, node) -%}{{ return(adapter.dispatch('my_schema')(custom_schema_name, node)) }}{%- endmacro %}
       {% macro default__my_schema(c, node) %}{{ 'dflt_' ~ target.schema }}{% endmacro %}
       {% macro snowflake__my_schema(c, node) %}{{ 'sf_' ~ target.schema }}{% endmacro %}`,
      { adapterType: 'postgres' },
      { plain: 'dflt_analytics.plain' },
    ],
    [
      'loops, with a namespace',
      `{% macro generate_schema_name(custom_schema_name, node) -%}{%- set ns = namespace(s='') -%}{% for x in ['a', 'b'] %}{% set ns.s = ns.s ~ x ~ loop.index %}{% endfor %}{{ ns.s }}_{{ target.schema }}{%- endmacro %}`,
      {},
      { plain: 'a1b2_analytics.plain' },
    ],
    [
      'behaves differently in prod and elsewhere (prefix in dev, custom only in prod)',
      `{% macro generate_schema_name(custom_schema_name, node) -%}
        {%- if custom_schema_name is none -%}{{ target.schema }}
        {%- elif target.name == 'prod' -%}{{ custom_schema_name | trim }}
        {%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
      {%- endmacro %}`,
      { targetName: 'dev' },
      { plain: 'analytics.plain', custom: 'analytics_marts.with_custom' },
    ],
    [
      'splits the model name (schema__table naming)',
      `{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
        {% set parts = node.name.split('_') %}{{ parts [0] | trim }}
      {%- endmacro %}`,
      {},
      { plain: 'plain.plain', custom: 'with.with_custom' },
    ],
    [
      'calls another project macro and a set block',
      `{% macro env_prefix() %}{% set p %}  pre {% endset %}{{ p | trim }}{% endmacro %}
       {% macro generate_schema_name(custom_schema_name, node) -%}{{ env_prefix() }}_{{ custom_schema_name or target.schema }}{%- endmacro %}`,
      {},
      { plain: 'pre_analytics.plain', custom: 'pre_ marts.with_custom' }, // dbt strips the result,
    ],
  ];
  it.each(EVALUATED)('runs an override that %s', async (_name, macro, opts, expected) => {
    const r = await relations(withMacro('get_custom_schema.sql', macro), opts);
    expect(r).toMatchObject(expected);
    expect(r.c.overrides).toContainEqual({
      macro: 'generate_schema_name',
      file: 'macros/get_custom_schema.sql',
      handledAs: 'evaluated',
    });
    expect(byId(r.c, 'model.shop.plain').resolution.detail).toMatch(
      /generate_schema_name in macros\/get_custom_schema\.sql \(evaluated\)/,
    );
  });

  it.each([
    [
      'queries the warehouse',
      `{% set r = run_query('select 1') %}{{ r }}`,
      /run_query\(\) queries the warehouse/,
    ],
    ['reads run_started_at', `{{ run_started_at }}`, /run_started_at is not known/],
    [
      'reads a node attribute Backflow does not know',
      `{{ node.config.schema }}`,
      /"node\.config" is not known/,
    ],
    ['recurses forever', `{{ generate_schema_name(custom_schema_name, node) }}`, /more than 64 deep/],
    [
      'loops for too long',
      `{% for i in range(100000) %}{% for j in range(100) %}{% endfor %}{% endfor %}`,
      /more than 200000 steps/,
    ],
  ])('leaves models unresolved, naming the macro, when the override %s', async (_n, body, reason) => {
    const c = await load(
      withMacro('s.sql', `{% macro generate_schema_name(custom_schema_name, node) -%}${body}{%- endmacro %}`),
    );
    const m = byId(c, 'model.shop.plain');
    expect(m.relation).toBeUndefined();
    expect(m.unresolvedReason).toMatch(
      /^generate_schema_name in macros\/s\.sql cannot be evaluated for this model/,
    );
    expect(m.unresolvedReason).toMatch(reason);
  });

  it('leaves a model unresolved when a recognised override needs a target name it does not have', async () => {
    const macro = `{% macro generate_schema_name(custom_schema_name, node) -%}
      {%- if target.name == 'ci' -%}ci_{{ target.schema }}
      {%- elif custom_schema_name is none -%}{{ target.schema }}
      {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
    {%- endmacro %}`;
    const c = await load(withMacro('s.sql', macro));
    expect(c.overrides[0].handledAs).toBe('custom_schema_only');
    expect(byId(c, 'model.shop.plain').unresolvedReason).toMatch(
      /^generate_schema_name in macros\/s\.sql cannot be evaluated for this model \(target\.name is not known\): provide a manifest/,
    );
    const named = await relations(withMacro('s.sql', macro), { targetName: 'ci' });
    expect(named.plain).toBe('ci_analytics.plain');
  });

  it('runs an alias override that is not the default', async () => {
    const c = await load(
      withMacro(
        'alias.sql',
        `{% macro generate_alias_name(custom_alias_name=none, node=none) -%}x_{{ node.name }}{%- endmacro %}`,
      ),
    );
    expect(c.overrides).toEqual([
      { macro: 'generate_alias_name', file: 'macros/alias.sql', handledAs: 'evaluated' },
    ]);
    expect(rel(byId(c, 'model.shop.plain'))).toBe('analytics.x_plain');
  });

  it('ignores naming macros defined by packages, and other macros that mention the names', async () => {
    const c = await load(
      project({
        ...MODELS,
        'macros/helpers.sql': "{% macro log_schema() %}{# generate_schema_name is dbt's #}{% endmacro %}",
        'dbt_packages/pkg/dbt_project.yml': 'name: pkg\n',
        'dbt_packages/pkg/macros/x.sql': CUSTOM_ONLY,
      }),
    );
    expect(c.overrides).toEqual([]);
    expect(rel(byId(c, 'model.shop.with_custom'))).toBe('analytics_marts.with_custom');
  });
});
