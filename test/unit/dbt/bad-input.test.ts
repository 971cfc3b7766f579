/**
 * A bad project (no dbt_project.yml, an unsupported dbt version) is a DbtLoadError naming the file (and the
 * line, where there is one) and saying what to do. A bad value or file that concerns some models leaves
 * those models unresolved, with the file, line and reason, and every other model loads.
 */
import { DbtLoadError } from '../../../src/adapters/dbt';
import { UserError } from '../../../src/errors';
import { load, loadError, project, rel, unresolved } from './helpers';

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

  it('reports malformed YAML in dbt_project.yml with its line', async () => {
    const err = await loadError(
      project({ 'dbt_project.yml': 'name: shop\nmodels:\n  shop:\n    +schema: [a, \n' }),
    );
    expect(err.file).toBe('dbt_project.yml');
    expect(err.line).toBe(5);
    expect(err.message).toMatch(/invalid YAML/);
    expect(err.hint).toMatch(/Fix the YAML syntax/);
  });

  it('skips a malformed properties file: the models it names are unresolved, the others load', async () => {
    const tree = project({
      'models/a.sql': 'select 1',
      'models/b.sql': 'select 1',
      'models/schema.yml': 'models:\n  - name: a\n    columns:\n      - name: id\n     tests: [unique]\n',
    });
    const { reason, warnings, catalog } = await unresolved(tree, 'a');
    expect(reason).toMatch(/^models\/schema\.yml line 5: invalid YAML: .*Fix the YAML syntax/);
    expect(rel(catalog.models.find((m) => m.name === 'b')!)).toBe('analytics.b');
    expect(warnings).toContainEqual(
      expect.stringMatching(
        /^models\/schema\.yml line 5: invalid YAML.*the file is skipped; the models it names are left unresolved \(a\)$/,
      ),
    );
  });

  it('reports a dbt_project.yml without a name', async () => {
    const err = await loadError({ 'dbt_project.yml': "version: '1.0'\n" });
    expect(err).toMatchObject({ file: 'dbt_project.yml', line: 1, reason: 'dbt_project.yml has no name' });
    expect(err.hint).toMatch(/Set `name:`/);
  });

  it('leaves a model whose config() value cannot be read statically unresolved, with the file, line and reason', async () => {
    const { reason, warnings, catalog } = await unresolved(
      project({
        'models/a.sql': "select 1\n{{ config(\n    materialized='table',\n    schema=get_schema('x')\n) }}",
        'models/b.sql': 'select 1',
      }),
      'a',
    );
    expect(reason).toBe(
      'models/a.sql line 4: schema of model a cannot be read statically: get_schema() is a macro Backflow cannot run',
    );
    expect(rel(catalog.models[1])).toBe('analytics.b');
    expect(warnings).toEqual([
      'models/a.sql line 4: 1 model could not be resolved statically; the first: schema of model a cannot be read statically: get_schema() is a macro Backflow cannot run. `backflow models list` gives every model its reason; a plan fails only for the models it uses.',
    ]);
  });

  it('reports config() inside a Jinja if block whose condition cannot be known', async () => {
    const { reason } = await unresolved(
      project({
        'models/a.sql': "{% if target.name == 'prod' %}\n{{ config(alias='a_prod') }}\n{% endif %}\nselect 1",
      }),
      'a',
    );
    expect(reason).toMatch(
      /^models\/a\.sql line 2: alias of model a cannot be read statically: target\.name is not known/,
    );
  });

  it('reports config() inside a loop', async () => {
    const { reason } = await unresolved(
      project({
        'models/a.sql': "{% for x in [1] %}\n{{ config(alias='a_prod') }}\n{% endfor %}\nselect 1",
      }),
      'a',
    );
    expect(reason).toMatch(/^models\/a\.sql line 2: .*config\(\) is called inside a \{% for %\} block/);
  });

  it('does not mind config() values it does not need (hooks, tags)', async () => {
    const c = await load(
      project({ 'models/a.sql': '{{ config(post_hook=grant(this), tags=my_tags()) }}\nselect 1' }),
    );
    expect(c.models[0].relation).toEqual({ schema: 'analytics', name: 'a' });
  });

  it('reports a non-literal dbt.config() value in a Python model', async () => {
    const { reason } = await unresolved(
      project({
        'models/p.py': 'def model(dbt, session):\n    dbt.config(\n        materialized=MAT,\n    )\n',
      }),
      'p',
    );
    expect(reason).toMatch(
      /^models\/p\.py line 3: .*dbt\.config\(\) only takes literal values in Python models/,
    );
  });

  it('reports an env_var() without default that is not set, as dbt does', async () => {
    const tree = project({ 'models/a.sql': "{{ config(schema=env_var('DBT_SCHEMA_X')) }} select 1" });
    const { reason } = await unresolved(tree, 'a');
    expect(reason).toMatch(/^models\/a\.sql line 1: .*Env var required but not provided: 'DBT_SCHEMA_X'/);
    const ok = await load(tree, { env: { DBT_SCHEMA_X: 'x' } });
    expect(ok.models[0].relation?.schema).toBe('analytics_x');
  });

  it('reports a var() without default that is not set, as dbt does', async () => {
    const { reason } = await unresolved(
      {
        'dbt_project.yml':
          'name: shop\nvars:\n  known: 1\nmodels:\n  shop:\n    +alias: "{{ var(\'unknown_var\') }}"\n',
        'models/a.sql': 'select 1',
      },
      'a',
    );
    expect(reason).toMatch(
      /^dbt_project\.yml line 6: .*Required var 'unknown_var' not found in config: vars supplied to a = \{"known":1\}/,
    );
  });

  it('reports a Jinja statement in a dbt_project.yml value whose condition cannot be known', async () => {
    const { reason } = await unresolved(
      {
        'dbt_project.yml':
          'name: shop\nmodels:\n  shop:\n    +enabled: "{% if target.name == \'prod\' %}true{% endif %}"\n',
        'models/a.sql': 'select 1',
      },
      'a',
    );
    expect(reason).toMatch(/^dbt_project\.yml line 4: enabled of model a cannot be read statically/);
  });

  it('counts every unreadable value in one warning, reporting the first', async () => {
    const { warnings } = await unresolved(
      project({ 'models/a.sql': '{{ config(alias=x()) }}', 'models/b.sql': '{{ config(alias=y()) }}' }),
      'b',
    );
    expect(warnings).toEqual([
      expect.stringMatching(
        /^models\/a\.sql line 1: 2 models could not be resolved statically; the first: alias of model a /,
      ),
    ]);
  });

  it('leaves two models with the same relation unresolved, naming both files', async () => {
    const { reason, warnings, catalog } = await unresolved(
      project({
        'models/a/orders.sql': 'select 1',
        'models/b/orders_v2.sql': "{{ config(alias='orders') }} select 1",
        'models/c.sql': 'select 1',
      }),
      'orders',
    );
    const message =
      'two dbt models resolve to the same relation analytics.orders: models/a/orders.sql (model.shop.orders) and models/b/orders_v2.sql (model.shop.orders_v2); give one of them another alias or schema, or disable one: dbt refuses to build both';
    expect(reason).toBe(message);
    expect(catalog.models.find((m) => m.name === 'orders_v2')!.unresolvedReason).toBe(message);
    expect(rel(catalog.models.find((m) => m.name === 'c')!)).toBe('analytics.c');
    expect(warnings).toEqual([`models/b/orders_v2.sql: ${message}`]);
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
  ])(
    'reports %s in properties, with its line, leaving the models it names unresolved',
    async (_what, yaml, line, message) => {
      const { reason } = await unresolved(
        project({ 'models/a.sql': 'select 1', 'models/a_v1.sql': 'select 1', 'models/props.yml': yaml }),
        'a',
      ).catch(async () => ({ reason: '' }));
      if (reason === '') {
        // an entry without a name names no model: the file is skipped with a warning
        const c = await load(
          project({ 'models/a.sql': 'select 1', 'models/a_v1.sql': 'select 1', 'models/props.yml': yaml }),
        );
        expect(c.warnings[0]).toMatchObject({ file: 'models/props.yml', line });
        expect(c.warnings[0].message).toMatch(message);
        return;
      }
      expect(reason.startsWith(`models/props.yml line ${line}: `)).toBe(true);
      expect(reason).toMatch(message);
    },
  );

  it('reports enabled that is not a boolean', async () => {
    const { reason } = await unresolved(
      project({
        'models/a.sql': 'select 1',
        'models/p.yml': 'models:\n  - name: a\n    config:\n      enabled: maybe\n',
      }),
      'a',
    );
    expect(reason).toBe('models/p.yml line 4: enabled must be true or false, not "maybe"');
  });

  it('reports broken Jinja around a config() call', async () => {
    const { reason } = await unresolved(project({ 'models/a.sql': "select 1\n{{ config(alias='x')\n" }), 'a');
    expect(reason).toMatch(/^models\/a\.sql line 2: Jinja syntax error: unclosed Jinja tag/);
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
