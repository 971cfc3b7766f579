/**
 * `adapter.dispatch` as dbt-core's BaseDatabaseWrapper.dispatch resolves it: the search order is the root
 * dbt_project.yml's `dispatch:` entry for the namespace, else [root project, namespace]; for each package
 * of that order (outer loop) each prefix (`<adapter>__`, its parent adapters', `default__`; inner loop).
 * The outer loop is packages: a root `default__` beats a package's `postgres__`.
 */
import { byId, load, loadError, project, rel } from './helpers';

const PKG_YML = (name: string) => `name: ${name}\nversion: '1.0'\nconfig-version: 2\n`;

/** Package `helpers` dispatches `slug` in its own namespace, with an adapter variant and a default. */
const HELPERS = {
  'dbt_packages/helpers/dbt_project.yml': PKG_YML('helpers'),
  'dbt_packages/helpers/macros/slug.sql': [
    '{% macro slug(x) %}{{ return(adapter.dispatch("slug", "helpers")(x)) }}{% endmacro %}',
    "{% macro default__slug(x) %}{{ return('helpers_' ~ (x | lower)) }}{% endmacro %}",
    "{% macro postgres__slug(x) %}{{ return('helpers_pg_' ~ (x | lower)) }}{% endmacro %}",
  ].join('\n'),
  // a shim package, as dbt projects install spark_utils / tsql_utils to supply an adapter's variants
  'dbt_packages/shim/dbt_project.yml': PKG_YML('shim'),
  'dbt_packages/shim/macros/slug.sql':
    "{% macro default__slug(x) %}{{ return('shim_' ~ (x | lower)) }}{% endmacro %}",
  'models/a.sql': "{{ config(alias=helpers.slug('A')) }}\nselect 1",
};

const withDispatch = (order: string[], extra = '') =>
  `name: shop\nversion: '1.0'\nconfig-version: 2\n${extra}dispatch:\n  - macro_namespace: helpers\n    search_order: [${order.join(', ')}]\n`;

describe('adapter.dispatch search order', () => {
  it("without a dispatch config: the root project's macros, then the package's", async () => {
    expect(rel(byId(await load(project(HELPERS)), 'model.shop.a'))).toBe('analytics.helpers_a');
    expect(rel(byId(await load(project(HELPERS), { adapterType: 'postgres' }), 'model.shop.a'))).toBe(
      'analytics.helpers_pg_a',
    );
    // a root default__ beats the package's postgres__: packages are the outer loop, prefixes the inner
    const rootDefault = project({
      ...HELPERS,
      'macros/slug.sql': "{% macro default__slug(x) %}{{ return('mine_' ~ x) }}{% endmacro %}",
    });
    expect(rel(byId(await load(rootDefault, { adapterType: 'postgres' }), 'model.shop.a'))).toBe(
      'analytics.mine_A',
    );
  });

  it("follows the root project's dispatch: search_order, ignoring packages it leaves out", async () => {
    const shimFirst = { ...HELPERS, 'dbt_project.yml': withDispatch(['shim', 'helpers']) };
    expect(rel(byId(await load(shimFirst), 'model.shop.a'))).toBe('analytics.shim_a');
    // shim has no postgres__slug and comes first: its default__ wins over helpers' postgres__
    expect(rel(byId(await load(shimFirst, { adapterType: 'postgres' }), 'model.shop.a'))).toBe(
      'analytics.shim_a',
    );
    // the root project's override is not searched when the order leaves the root project out
    const rootLeftOut = {
      ...HELPERS,
      'dbt_project.yml': withDispatch(['helpers']),
      'macros/slug.sql': "{% macro default__slug(x) %}{{ return('mine_' ~ x) }}{% endmacro %}",
    };
    expect(rel(byId(await load(rootLeftOut), 'model.shop.a'))).toBe('analytics.helpers_a');
    const rootFirst = { ...rootLeftOut, 'dbt_project.yml': withDispatch(['shop', 'helpers']) };
    expect(rel(byId(await load(rootFirst), 'model.shop.a'))).toBe('analytics.mine_A');
  });

  it("tries a parent adapter's variant before default__ (redshift → postgres)", async () => {
    const c = await load(project(HELPERS), { adapterType: 'redshift' });
    expect(rel(byId(c, 'model.shop.a'))).toBe('analytics.helpers_pg_a');
    const s = await load(project(HELPERS), { adapterType: 'snowflake' });
    expect(rel(byId(s, 'model.shop.a'))).toBe('analytics.helpers_a');
  });

  it('leaves the model unresolved, naming what was tried, when no package of the order has the macro', async () => {
    const c = await load({ ...HELPERS, 'dbt_project.yml': withDispatch(['shop']) });
    expect(byId(c, 'model.shop.a').relation).toBeUndefined();
    expect(byId(c, 'model.shop.a').unresolvedReason).toMatch(
      /adapter\.dispatch\('slug'\).*shop\.default__slug/,
    );
  });

  it('refuses a malformed dispatch config, naming dbt_project.yml and the line', async () => {
    const err = await loadError({
      ...HELPERS,
      'dbt_project.yml': `name: shop\nversion: '1.0'\nconfig-version: 2\ndispatch:\n  - macro_namespace: helpers\n    search_order: shim\n`,
    });
    expect(err.message).toMatch(/dispatch must be a list of/);
    expect(err.file).toBe('dbt_project.yml');
    expect(err.line).toBe(5);
  });
});
