import { summarisePythonModel, summariseSqlModel } from '../../../src/adapters/dbt/model-file';

const keys = (s: ReturnType<typeof summariseSqlModel>) =>
  s.configs.map((c) => [c.key, c.line, 'problem' in c.raw ? 'problem' : 'ok']);

describe('config() in model files', () => {
  it("reads keyword arguments over several lines, with each value's line", () => {
    const s = summariseSqlModel(
      "{{\n  config(\n    materialized='table',\n    schema=var('s', 'x'),\n    tags=['a']\n  )\n}}\nselect 1",
      'm.sql',
    );
    expect(keys(s)).toEqual([
      ['materialized', 3, 'ok'],
      ['schema', 4, 'ok'],
    ]);
  });

  it('reads a dict argument, and later calls after earlier ones', () => {
    const s = summariseSqlModel("{{ config({'alias': 'a'}) }}\n{{ config(alias='b') }}", 'm.sql');
    expect(s.configs.map((c) => c.raw)).toEqual([
      { expr: { t: 'lit', v: 'a' } },
      { expr: { t: 'lit', v: 'b' } },
    ]);
  });

  it('ignores config() in Jinja comments, but not in SQL comments (Jinja still runs there)', () => {
    expect(summariseSqlModel("{# {{ config(alias='a') }} #} select 1", 'm.sql').configs).toEqual([]);
    expect(summariseSqlModel("-- {{ config(alias='a') }}\nselect 1", 'm.sql').configs).toHaveLength(1);
  });

  it('keeps a problem only for the keys an unreadable call sets', () => {
    const inFor = summariseSqlModel(
      "{% for x in y %}{{ config(alias='a', tags=['t']) }}{% endfor %}",
      'm.sql',
    );
    expect(keys(inFor)).toEqual([['alias', 1, 'problem']]);
    const hooksOnly = summariseSqlModel('{% for x in y %}{{ config(post_hook=h()) }}{% endfor %}', 'm.sql');
    expect(hooksOnly.configs).toEqual([]);
  });

  it('keeps config() inside {% if %} with its conditions, and config(**mapping) for every key', () => {
    const inIf = summariseSqlModel(
      "{% if x %}{% elif y %}{{ config(alias='a', tags=['t']) }}{% else %}{% endif %}",
      'm.sql',
    );
    expect(keys(inIf)).toEqual([['alias', 1, 'ok']]);
    expect(inIf.configs[0].raw).toMatchObject({
      when: [
        { c: { t: 'name', n: 'x' }, want: false },
        { c: { t: 'name', n: 'y' }, want: true },
      ],
    });
    const kwargs = summariseSqlModel('{{ config(**opts) }}', 'm.sql');
    expect(kwargs.configs.map((c) => c.key)).toEqual([
      'enabled',
      'materialized',
      'database',
      'schema',
      'alias',
    ]);
    expect(kwargs.configs[0].raw).toEqual({ spread: { t: 'name', n: 'opts' } });
  });

  it('reads dbt.config() in Python, outside strings and comments', () => {
    const py = [
      '"""dbt.config(materialized="view") in a docstring"""',
      "# dbt.config(schema='no')",
      'def model(dbt, session):',
      '    s = \'dbt.config(alias="no")\'',
      '    dbt.config(materialized="incremental", unique_key="id")',
      '    dbt.config.get("x")',
      '    return s',
    ].join('\n');
    const s = summarisePythonModel(py, 'p.py');
    expect(keys(s)).toEqual([['materialized', 5, 'ok']]);
    expect(s.language).toBe('python');
  });
});
