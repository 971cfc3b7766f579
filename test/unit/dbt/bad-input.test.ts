/**
 * Every bad input is a DbtLoadError naming the file (and the line, where there is one) and saying what to do.
 */
import { DbtLoadError } from '../../../src/adapters/dbt';
import { UserError } from '../../../src/errors';
import { load, loadError, project } from './helpers';

describe('dbt loader: bad input', () => {
  it('is a UserError (exit 1, no stack trace)', async () => {
    const err = await loadError({ 'README.md': 'no project' });
    expect(err).toBeInstanceOf(UserError);
    expect(err).toBeInstanceOf(DbtLoadError);
  });

  it('reports a missing dbt_project.yml, pointing at the folders that have one', async () => {
    const err = await loadError({
      'analytics/dbt_project.yml': 'name: a\n',
      'dbt_packages/x/dbt_project.yml': 'name: x\n',
    });
    expect(err.message).toBe('dbt_project.yml: no dbt_project.yml in the repository root');
    expect(err.file).toBe('dbt_project.yml');
    expect(err.hint).toBe(
      'Set the git sync\'s project_path to the folder holding dbt_project.yml: "analytics".',
    );
  });

  it('reports a project_path that does not exist', async () => {
    const err = await loadError(project({}), { projectPath: 'transform' });
    expect(err.message).toBe('project_path "transform" does not exist in the repository');
    expect(err.hint).toMatch(/project_path to the folder holding dbt_project.yml: "\."/);
  });

  it('reports a folder without dbt_project.yml', async () => {
    const err = await loadError({ 'transform/models/a.sql': 'select 1' }, { projectPath: './transform/' });
    expect(err.message).toBe('transform/dbt_project.yml: no dbt_project.yml in transform');
    expect(err.hint).toMatch(/No dbt_project.yml was found anywhere/);
  });

  it.each([
    [
      'a properties file',
      { 'models/schema.yml': 'models:\n  - name: a\n    columns:\n      - name: id\n     tests: [unique]\n' },
      'models/schema.yml',
      5,
    ],
    [
      'dbt_project.yml',
      { 'dbt_project.yml': 'name: shop\nmodels:\n  shop:\n    +schema: [a, \n' },
      'dbt_project.yml',
      5,
    ],
  ])('reports malformed YAML in %s with its line', async (_what, files, file, line) => {
    const err = await loadError(project(files as Record<string, string>));
    expect(err.file).toBe(file);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(/invalid YAML/);
    expect(err.hint).toMatch(/Fix the YAML syntax/);
  });

  it('reports a dbt_project.yml without a name', async () => {
    const err = await loadError({ 'dbt_project.yml': "version: '1.0'\n" });
    expect(err).toMatchObject({ file: 'dbt_project.yml', line: 1, reason: 'dbt_project.yml has no name' });
    expect(err.hint).toMatch(/Set `name:`/);
  });

  it('reports a config() value that cannot be read statically, with the file, line and what to do', async () => {
    const err = await loadError(
      project({
        'models/a.sql': "select 1\n{{ config(\n    materialized='table',\n    schema=get_schema('x')\n) }}",
      }),
    );
    expect(err.message).toBe(
      'models/a.sql line 4: schema of model a cannot be read statically: get_schema() is a macro Backflow cannot run',
    );
    expect(err.hint).toMatch(/Make the value a literal/);
    expect(err.hint).toMatch(/provide a manifest/);
  });

  it('reports config() inside a Jinja if block', async () => {
    const err = await loadError(
      project({
        'models/a.sql': "{% if target.name == 'prod' %}\n{{ config(alias='a_prod') }}\n{% endif %}\nselect 1",
      }),
    );
    expect(err).toMatchObject({ file: 'models/a.sql', line: 2 });
    expect(err.message).toMatch(/config\(\) is called inside a \{% if %\} block/);
  });

  it('does not mind config() values it does not need (hooks, tags)', async () => {
    const c = await load(
      project({ 'models/a.sql': '{{ config(post_hook=grant(this), tags=my_tags()) }}\nselect 1' }),
    );
    expect(c.models[0].relation).toEqual({ schema: 'analytics', name: 'a' });
  });

  it('reports a non-literal dbt.config() value in a Python model', async () => {
    const err = await loadError(
      project({
        'models/p.py': 'def model(dbt, session):\n    dbt.config(\n        materialized=MAT,\n    )\n',
      }),
    );
    expect(err).toMatchObject({ file: 'models/p.py', line: 3 });
    expect(err.message).toMatch(/dbt\.config\(\) only takes literal values in Python models/);
  });

  it('reports an env_var() without default that is not set, as dbt does', async () => {
    const err = await loadError(
      project({ 'models/a.sql': "{{ config(schema=env_var('DBT_SCHEMA_X')) }} select 1" }),
    );
    expect(err).toMatchObject({ file: 'models/a.sql', line: 1 });
    expect(err.message).toMatch(/Env var required but not provided: 'DBT_SCHEMA_X'/);
    expect(err.hint).toMatch(/Set the environment variable/);
    const ok = await load(
      project({ 'models/a.sql': "{{ config(schema=env_var('DBT_SCHEMA_X')) }} select 1" }),
      { env: { DBT_SCHEMA_X: 'x' } },
    );
    expect(ok.models[0].relation?.schema).toBe('analytics_x');
  });

  it('reports a var() without default that is not set, as dbt does', async () => {
    const err = await loadError({
      'dbt_project.yml':
        'name: shop\nvars:\n  known: 1\nmodels:\n  shop:\n    +alias: "{{ var(\'unknown_var\') }}"\n',
      'models/a.sql': 'select 1',
    });
    expect(err).toMatchObject({ file: 'dbt_project.yml', line: 6 });
    expect(err.message).toMatch(
      /Required var 'unknown_var' not found in config: vars supplied to a = \{"known":1\}/,
    );
    expect(err.hint).toMatch(/Give the variable a default/);
  });

  it('reports a Jinja statement in a dbt_project.yml value', async () => {
    const err = await loadError({
      'dbt_project.yml':
        'name: shop\nmodels:\n  shop:\n    +enabled: "{% if target.name == \'prod\' %}true{% endif %}"\n',
      'models/a.sql': 'select 1',
    });
    expect(err).toMatchObject({ file: 'dbt_project.yml', line: 4 });
    expect(err.message).toMatch(/enabled of model a cannot be read statically/);
  });

  it('counts every unreadable value, reporting the first', async () => {
    const err = await loadError(
      project({ 'models/a.sql': '{{ config(alias=x()) }}', 'models/b.sql': '{{ config(alias=y()) }}' }),
    );
    expect(err.message).toMatch(/^models\/a\.sql line 1: alias of model a .* \(and 1 more value like it\)$/);
  });

  it('reports two models with the same relation, naming both files', async () => {
    const err = await loadError(
      project({
        'models/a/orders.sql': 'select 1',
        'models/b/orders_v2.sql': "{{ config(alias='orders') }} select 1",
      }),
    );
    expect(err.message).toBe(
      'models/b/orders_v2.sql: two dbt models resolve to the same relation analytics.orders: models/a/orders.sql (model.shop.orders) and models/b/orders_v2.sql (model.shop.orders_v2)',
    );
    expect(err.hint).toMatch(/another alias or schema/);
  });

  it('does not count disabled or ephemeral models as relations', async () => {
    const c = await load(
      project({
        'models/a/orders.sql': 'select 1',
        'models/b/old_orders.sql': "{{ config(alias='orders', enabled=false) }} select 1",
        'models/b/eph.sql': "{{ config(alias='orders', materialized='ephemeral') }} select 1",
      }),
    );
    expect(c.models).toHaveLength(3);
  });

  it('reports two models with the same name, naming both files', async () => {
    const err = await loadError(
      project({ 'models/a/orders.sql': 'select 1', 'models/b/orders.py': 'def model(dbt, s): pass' }),
    );
    expect(err.message).toMatch(
      /dbt found two models with the name "orders" in project shop: models\/a\/orders\.sql and models\/b\/orders\.py/,
    );
  });

  it('reports a model described twice in properties files', async () => {
    const err = await loadError(
      project({
        'models/a.sql': 'select 1',
        'models/one.yml': 'models:\n  - name: a\n',
        'models/two.yml': 'version: 2\nmodels:\n  - name: a\n',
      }),
    );
    expect(err).toMatchObject({ file: 'models/two.yml', line: 3 });
    expect(err.message).toMatch(
      /two properties entries for model a: models\/one\.yml line 2 and models\/two\.yml line 3/,
    );
  });

  it.each([
    [
      'a latest_version that is not a version',
      'models:\n  - name: a\n    latest_version: 3\n    versions:\n      - v: 1\n      - v: 2\n',
      3,
      /latest_version: 3 is not one of model 'a' versions: \[1, 2\]/,
    ],
    [
      'a duplicate version',
      'models:\n  - name: a\n    versions:\n      - v: 1\n      - v: 1\n',
      5,
      /Found duplicate version: '1'/,
    ],
    [
      'tests and data_tests together',
      'models:\n  - name: a\n    columns:\n      - name: id\n        tests: [unique]\n        data_tests: [not_null]\n',
      6,
      /cannot have both 'tests' and 'data_tests'/,
    ],
    [
      'primary keys on two columns',
      'models:\n  - name: a\n    columns:\n      - name: x\n        constraints: [{type: primary_key}]\n      - name: y\n        constraints: [{type: primary_key}]\n',
      3,
      /primary keys for multiple columns must be defined as a model level constraint/,
    ],
    [
      'a column without a name',
      'models:\n  - name: a\n    columns:\n      - description: x\n',
      4,
      /a column needs a name/,
    ],
    ['a models entry without a name', 'models:\n  - description: x\n', 2, /a model entry needs a name/],
  ])('reports %s in properties, with its line', async (_what, yaml, line, message) => {
    const err = await loadError(
      project({ 'models/a.sql': 'select 1', 'models/a_v1.sql': 'select 1', 'models/props.yml': yaml }),
    );
    expect(err).toMatchObject({ file: 'models/props.yml', line });
    expect(err.message).toMatch(message);
  });

  it('reports enabled that is not a boolean', async () => {
    const err = await loadError(
      project({
        'models/a.sql': 'select 1',
        'models/p.yml': 'models:\n  - name: a\n    config:\n      enabled: maybe\n',
      }),
    );
    expect(err).toMatchObject({
      file: 'models/p.yml',
      line: 4,
      reason: 'enabled must be true or false, not "maybe"',
    });
  });

  it('reports broken Jinja around a config() call', async () => {
    const err = await loadError(project({ 'models/a.sql': "select 1\n{{ config(alias='x')\n" }));
    expect(err).toMatchObject({ file: 'models/a.sql', line: 2 });
    expect(err.message).toMatch(/Jinja syntax error: unclosed Jinja tag/);
  });

  it('reports two macros of the same name', async () => {
    const m = '{% macro generate_schema_name(c, n) %}{{ target.schema }}{% endmacro %}';
    const err = await loadError(
      project({ 'models/a.sql': 'select 1', 'macros/a.sql': m, 'macros/b.sql': m }),
    );
    expect(err.message).toMatch(
      /dbt found two macros named "generate_schema_name": macros\/a\.sql line 1 and macros\/b\.sql line 1/,
    );
  });

  it('rejects a dbt version it does not support, listing those it does', async () => {
    const err = await loadError(project({}), { dbtVersion: '1.6' });
    expect(err.message).toBe(
      'dbt_version "1.6" is not supported by the dbt loader (supported: 1.7, 1.8, 1.9, 1.10)',
    );
    expect(err.hint).toMatch(/1\.7, 1\.8, 1\.9, 1\.10/);
    await expect(load(project({}), { dbtVersion: '1.9.2' })).resolves.toBeDefined();
    await expect(load(project({}), { dbtVersion: '1.10' })).resolves.toBeDefined();
  });

  it('rejects an empty default schema', async () => {
    const err = await loadError(project({}), { defaultSchema: '' });
    expect(err.message).toMatch(/no default_schema/);
  });
});
