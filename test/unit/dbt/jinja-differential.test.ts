/**
 * The dbt loader's Jinja and YAML against the real thing: every template below is rendered by Backflow's
 * evaluator and by Jinja2 (Debian's python3-jinja2, through test/helpers/jinja-reference.py), every YAML
 * document parsed by Backflow and by PyYAML. Where Backflow gives a result it must be Jinja2's (PyYAML's)
 * exactly: a different one would be a silently wrong relation. Where it refuses (NotStaticError: the model
 * is then unresolved, never guessed), the case counts as unsupported, and most cases must be supported.
 *
 * The templates are the constructs real dbt projects write in their naming macros and config values:
 * filters and string methods on names, node.fqn / node.name.split('__'), target and var() tests, if/elif,
 * set and set blocks, loops with namespace(), whitespace control, macros calling macros.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NativeFn, type Value } from '../../../src/adapters/dbt/jinja/evaluate';
import { NotStaticError } from '../../../src/adapters/dbt/errors';
import { renderTemplate } from '../../../src/adapters/dbt/macro-eval';
import { extractMacros } from '../../../src/adapters/dbt/macros';
import { parseYamlFile } from '../../../src/adapters/dbt/yaml/yaml-file';

const HELPER = join(__dirname, '../../helpers/jinja-reference.py');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const probe = spawnSync(PYTHON, ['-c', 'import jinja2, yaml'], { encoding: 'utf8' });
const HAVE_REFERENCE = probe.status === 0;
if (!HAVE_REFERENCE) {
  const msg =
    'the Jinja2/PyYAML differential tests need python3-jinja2 and python3-yaml (apt-get install -y python3-jinja2 python3-yaml)';
  if (process.env.CI) throw new Error(msg);
  process.stderr.write(`warning: ${msg}: skipped\n`);
}
const describeWithReference = HAVE_REFERENCE ? describe : describe.skip;

interface Case {
  template: string;
  macros?: string;
}

type Result = { ok: unknown } | { error: string };

function reference(cases: object[]): Result[] {
  const r = spawnSync(PYTHON, [HELPER], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`jinja-reference.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Result[];
}

const CONTEXT: Record<string, unknown> = {
  target: { name: 'dev', schema: 'analytics', database: 'warehouse', type: 'postgres' },
  node: {
    name: 'stg_orders__daily',
    fqn: ['shop', 'staging', 'orders', 'stg_orders__daily'],
    package_name: 'shop',
    resource_type: 'model',
    path: 'staging/orders/stg_orders__daily.sql',
    unique_id: 'model.shop.stg_orders__daily',
  },
  custom: ' Marts ',
  nothing: null,
  items: ['a', 'b', 'c'],
  mapping: { a: 1, b: 2 },
  vars: { region: 'eu', domains: ['olids', 'finance'], n: 3, flag: true },
  env: { DBT_ENV: 'ci' },
};

function ours(c: Case, context: Record<string, unknown>): Result {
  const { vars, env, target, ...rest } = context as {
    vars: Record<string, Value>;
    env: Record<string, string>;
    target: Record<string, string>;
  } & Record<string, Value>;
  const lookup = (table: Record<string, Value>, what: string) =>
    new NativeFn(what, (args) => {
      const name = String(args[0]);
      if (name in table) return table[name];
      if (args.length > 1) return args[1];
      throw new NotStaticError(`${what} ${name} is not set`);
    });
  const macros = new Map(extractMacros(c.macros ?? '', 'macros.sql').map((d) => [d.name, d]));
  try {
    const out = renderTemplate(c.template, {
      macros,
      target: { schema: target.schema, database: target.database, name: target.name, type: target.type },
      var: lookup(vars, 'var'),
      envVar: lookup(env, 'env_var'),
      globals: rest,
    });
    return { ok: out };
  } catch (err) {
    if (err instanceof NotStaticError) return { error: `unsupported: ${err.message}` };
    throw err;
  }
}

// ------------------------------------------------------------------------------------------ the cases

const STRINGS = ["' Mixed Case '", 'custom', 'node.name', 'target.schema', "'a__b__c'", "'x'", "''", "'  '"];
const FILTERS = [
  'trim',
  'lower',
  'upper',
  "replace('_', '-')",
  "replace('a', '')",
  'length',
  'string',
  "default('d')",
  'trim | upper',
  "upper | replace('A', '@')",
  "trim | replace(' ', '_') | lower",
];
const METHODS = [
  ".split('__')",
  '.split()',
  ".split('_', 1)",
  ".split('__')[0]",
  ".split('__') | length",
  ".startswith('a')",
  ".startswith(('x', 'a'))",
  ".endswith('c')",
  '.strip()',
  ".strip('_ ')",
  '.lstrip()',
  '.rstrip()',
  '.upper()',
  '.lower()',
  '.title()',
  '.capitalize()',
  ".replace('_', '')",
  ".find('_')",
  ".count('_')",
  '.isdigit()',
  '.zfill(5)',
];

const EXPRESSIONS = [
  "'single'",
  '"double"',
  "'multi\nline'",
  "'it\\'s'",
  "'tab\\there'",
  '1 + 2',
  '7 // 2',
  '-7 // 2',
  '7 % 3',
  '2 * 3',
  '-3 + 1',
  '7 / 2',
  '1 < 2',
  "'a' == 'a'",
  "'a' != 'b'",
  '1 == 1',
  'true and false',
  'true or false',
  "nothing or 'fallback'",
  "'' or 'empty'",
  'not nothing',
  "'yes' if nothing is none else 'no'",
  "'yes' if custom else 'no'",
  "'a' ~ 1",
  "'a' ~ nothing",
  "'a' ~ true",
  "'a' in items",
  "'z' in items",
  "'x' in 'xyz'",
  "'a' in mapping",
  "target.name in ['dev', 'prod']",
  "target.name not in ['dev', 'prod']",
  'node.fqn[1]',
  'node.fqn[-1]',
  'node.fqn | length',
  "node.name.split('__')[0]",
  "node.name.split('__')[-1]",
  "mapping['a']",
  "target['schema']",
  'target.schema ~ "_" ~ target.name',
  'nothing is none',
  'custom is not none',
  'custom is defined',
  'custom is string',
  'mapping.a is number',
  "var('region')",
  "var('missing', 'dflt')",
  "var('domains')",
  "var('n') + 1",
  "var('flag')",
  "env_var('DBT_ENV')",
  "env_var('NOT_SET', 'fallback')",
  "'x' if var('flag') else 'y'",
  "node.fqn[2] in var('domains')",
  'items',
  'mapping',
  '[1, 2] + [3]',
  "'-'.join(items)",
  "'-'.join(node.fqn)",
  'items[0] ~ items[-1]',
  "(target.name == 'prod') or (target.schema == 'analytics')",
  "target.name == 'prod' and custom is not none",
  "target.name == 'dev' or target.schema == 'x' and false",
  "items | join('-')",
  'items | join',
  'node.fqn | join(".")',
  'items | first',
  'items | last',
  'node.fqn | last | upper',
  'mapping | list',
  'items | reverse | join',
  "'abc' | reverse",
  "modules.re.sub('[^a-z0-9]+', '_', 'Orders (EU) v2'.lower())",
  "modules.re.sub('_+', '_', node.name)",
  "modules.re.sub('(\\w+)__(\\w+)', '\\2_\\1', node.name)",
  "modules.re.sub('a', 'b', 'aaa', 2)",
  "modules.re.match('stg_', node.name) is not none",
  "modules.re.match('orders', node.name) is none",
  "modules.re.search('orders', node.name).group(0)",
  "modules.re.search('(?P<src>[a-z]+)__(\\w+)', node.name).group('src')",
  "modules.re.search('([a-z]+)_([a-z]+)', node.name).group(2)",
  "modules.re.search('([a-z]+)_([a-z]+)', node.name).groups()",
  "modules.re.fullmatch('[a-z_]+', node.name) is not none",
  "modules.re.split('_+', node.name)",
  "modules.re.findall('[a-z]+', node.name)",
  "modules.re.findall('([a-z])([a-z])', 'abcd')",
  "modules.re.match('STG', node.name, modules.re.IGNORECASE) is not none",
  "modules.re.compile('__').split(node.name)",
  "modules.re.escape('a.b')",
  "'\u00a0spaced\u00a0' | trim",
  '1\u00a0+\u00a02',
];

const STATEMENTS = [
  "{% if target.name == 'prod' %}p{% elif target.name == 'dev' %}d{% else %}o{% endif %}",
  '{% if custom is none %}none{% else %}{{ custom | trim }}{% endif %}',
  '{%- if custom -%}  yes  {%- endif -%}',
  '{% set x = 1 %}{{ x + 1 }}',
  "{% set a, b = ['l', 'r'] %}{{ a }}{{ b }}",
  '{% set s %}  block {{ target.name }} {% endset %}[{{ s }}]',
  '{% set s -%}  trimmed  {%- endset %}[{{ s }}]',
  '{% for i in items %}{{ i }}{% endfor %}',
  '{% for i in items %}{{ loop.index }}:{{ i }}{% if not loop.last %},{% endif %}{% endfor %}',
  '{% for i in [] %}x{% else %}empty{% endfor %}',
  '{% for k in mapping %}{{ k }}={{ mapping[k] }};{% endfor %}',
  "{% set ns = namespace(found=false) %}{% for p in node.fqn %}{% if p == 'orders' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.found }}",
  '{% set x = 1 %}{% for i in items %}{% set x = 2 %}{% endfor %}{{ x }}',
  '{% for i in range(3) %}{{ i }}{% endfor %}',
  '{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}',
  '  {{- target.name -}}  ',
  'a {# a comment #} b',
  'a {#- trimmed -#} b',
  '{% raw %}{{ not rendered }}{% endraw %}',
  "{%- set parts = node.name.split('__') -%}\n{{ parts [0] | trim }}",
  "{% if node.fqn | length >= 4 and node.fqn[1] in ['staging', 'marts'] %}{{ node.fqn[1] | upper ~ '_' ~ node.fqn[2] | upper }}{% else %}{{ target.schema }}{% endif %}",
  "{% do items.append('d') %}{{ items | length }}",
  'line one\n{% if true %}\nline two\n{% endif %}\nline three',
  '{% if true -%}\n  indented\n{%- endif %}',
  "{{ 'a' }}\n{{ 'b' }}\n",
  "{% set opts = {'schema': 'm', 'alias': 'x'} %}{% set d = dict(**opts) %}{{ d.alias }}",
  "{% set opts = {'a': 1} %}{{ dict(b=2, **opts) | length }}",
  "{% set cfg = {'name': 'arb', 'chain': {'id': 42}} %}{{ 'oneinch_' + cfg.name }}_{{ cfg.chain.id }}",
];

/** Macros called with extra keyword arguments (Jinja's `kwargs`), or returning mappings configs read. */
const CALL_MACROS = `
{% macro cfg(chain) %}{{ return({'name': chain, 'schema': 'chains_' ~ chain}) }}{% endmacro %}
{% macro opts(a) %}{{ a }}:{{ kwargs | length }}:{% for k in kwargs | list %}{{ k }}={{ kwargs[k] }}{% endfor %}{% endmacro %}
{% macro slug(x) %}{{ return(modules.re.sub('[^a-z0-9]+', '_', x | lower) | trim('_')) }}{% endmacro %}
`;
const CALL_TEMPLATES = [
  "{{ cfg('arb').schema }}",
  "{{ cfg('arb')['name'] ~ '_x' }}",
  '{{ opts(1, b=2) }}',
  '{{ opts(1) }}',
  "{{ slug(' Big Orders (EU) ') }}",
  "{% set c = cfg('polygon') %}{{ c.schema }}.{{ c.name }}",
];

const NAMING_MACROS: Record<string, string> = {
  default: `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}{{ default_schema }}
    {%- else -%}{{ default_schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}`,
  custom_only: `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}`,
  for_env: `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if target.name == 'prod' and custom_schema_name is not none -%}{{ custom_schema_name | trim }}
    {%- else -%}{{ default_schema }}{%- endif -%}
{%- endmacro %}`,
  prefix: `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = target.name + '_' if target.name != 'prod' else '' -%}
    {%- if custom_schema_name is none -%}{{ prefix }}{{ target.schema }}{%- else -%}{{ prefix }}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}`,
  split: `{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
    {% set node_name = node.name %}
    {% set split_name = node_name.split('__') %}
    {{ split_name [0] | trim }}
{%- endmacro %}`,
  helper: `{% macro production_targets() %}('prod','docs','ci'){% endmacro %}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set production_targets = production_targets() -%}
    {%- if target.name in production_targets -%}{{ (custom_schema_name or target.schema) | lower | trim }}
    {%- else -%}{{ target.name }}_{{ (custom_schema_name or target.schema) | lower | trim }}{%- endif -%}
{%- endmacro %}`,
  fqn: `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {%- set path_parts = node.fqn -%}
        {%- set domains = var('domains', []) -%}
        {%- if path_parts | length >= 4 and path_parts[2] in domains -%}{{ path_parts[2] | upper ~ '_' ~ path_parts[3] | upper }}
        {%- else -%}{{ target.schema }}{%- endif -%}
    {%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}`,
  kwargs: `{% macro suffix(name, sep='_', upper=false) %}{{ (name ~ sep ~ 'x') | upper if upper else name ~ sep ~ 'x' }}{% endmacro %}
{% macro generate_schema_name(custom_schema_name, node) -%}{{ suffix(custom_schema_name or target.schema, upper=true) }}|{{ suffix('a', sep='-') }}{%- endmacro %}`,
};

function cases(): { c: Case; context: Record<string, unknown> }[] {
  const out: { c: Case; context: Record<string, unknown> }[] = [];
  const add = (template: string, macros?: string, context = CONTEXT) =>
    out.push({ c: { template, ...(macros ? { macros } : {}) }, context });
  for (const s of STRINGS) for (const f of FILTERS) add(`{{ ${s} | ${f} }}`);
  for (const s of STRINGS) for (const m of METHODS) add(`{{ ${s}${m} }}`);
  for (const e of EXPRESSIONS) add(`{{ ${e} }}`);
  for (const t of STATEMENTS) add(t);
  for (const t of CALL_TEMPLATES) add(t, CALL_MACROS);
  for (const macros of Object.values(NAMING_MACROS)) {
    for (const targetName of ['dev', 'prod', 'ci']) {
      for (const custom of ['none', "'marts'", "' Finance '"]) {
        add(`{{ generate_schema_name(${custom}, node) }}`, macros, {
          ...CONTEXT,
          target: { ...(CONTEXT.target as object), name: targetName },
        });
      }
    }
  }
  return out;
}

describeWithReference('dbt loader: Jinja against Jinja2', () => {
  it('renders every template as Jinja2 does, or refuses it (at least 300 templates)', () => {
    const all = cases();
    expect(all.length).toBeGreaterThanOrEqual(300);
    // Each case has its own copy of the context (a template may mutate a list, as {% do %} does).
    const copy = (x: unknown) => JSON.parse(JSON.stringify(x)) as Record<string, unknown>;
    const want = reference(all.map(({ c, context }) => ({ ...c, context: copy(context) })));
    const wrong: string[] = [];
    const unsupported: string[] = [];
    all.forEach(({ c, context }, i) => {
      const got = ours(c, copy(context));
      const ref = want[i];
      if ('error' in got) {
        unsupported.push(`${c.template} → ${got.error}`);
        return;
      }
      if (!('ok' in ref) || ref.ok !== got.ok) {
        wrong.push(
          `${JSON.stringify(c.template)}: Backflow ${JSON.stringify(got.ok)}, Jinja2 ${JSON.stringify(ref)}`,
        );
      }
    });
    expect(wrong).toEqual([]);
    if (process.env.BACKFLOW_SHOW_UNSUPPORTED) {
      process.stderr.write(
        `${all.length} templates, ${unsupported.length} refused:\n${unsupported.join('\n')}\n`,
      );
    }
    // Most constructs must be supported (BACKFLOW_SHOW_UNSUPPORTED=1 lists what is refused).
    expect(unsupported.length / all.length).toBeLessThan(0.1);
  });
});

const YAML_DOCS = [
  'models:\n  - name: a\n    description: plain\n',
  'models:\n  - name: a\n    config:\n      enabled: yes\n      alias: "on"\n      schema: off\n',
  'vars:\n  start: 2020-01-01\n  n: 10\n  f: 1.5\n  e: ~\n  t: True\n',
  'a: &x\n  k: 1\nb: *x\nc:\n  <<: *x\n  j: 2\n',
  'desc: |\n  line one\n  line two\nfold: >\n  folded\n  text\n',
  'keep: |+\n  kept\n\nstrip: |-\n  stripped\n',
  "q: \"double \\\"quoted\\\" \\u00e9\"\ns: 'single ''quoted'''\n",
  'multi: "a long\n  quoted value\n  on lines"\n',
  "models:\n  - name: x\n    tests:\n      - unique\n      - accepted_values:\n          values: ['a', 'b']\n",
  'list: [a, b, {c: d}]\nmap: {a: 1, b: [2, 3]}\n',
  "x: \"{{ var('a') }}\"\ny: '{{ target.name }}_x'\n",
  '# comment\nkey: value # trailing\n',
  'empty:\nnull_value: null\ntilde: ~\n',
  'num: 0x1F\noct: 017\nsci: 1e3\nneg: -5\n',
  'models:\n- name: flush\n  columns:\n  - name: id\n',
  "description: \"where tx_id in ('a',\n  'b')\"\n",
  'k: "unicode: \\u2603"\n',
  'nested:\n  deeper:\n    deepest: [1, [2, [3]]]\n',
  'models:\n  - name: a\n    description: >-\n      folded\n\n      paragraph\n',
  'bad: [unclosed\n',
  'bad:\n  - a\n b: c\n',
  // anchors and aliases as properties files use them (description and tests written once, reused)
  'models:\n  - name: a\n    description: &d |\n      shared\n      text\n  - name: b\n    description: *d\n',
  'a: &t\n  - unique\n  - not_null\nb: *t\nc: &s "x"\nd: *s\ne: &n\nf: *n\n',
  'a: &x 1\nb: &x 2\nc: *x\n',
  'a: *missing\n',
  'a: &m {k: [1, 2]}\nb:\n  - *m\n  - &q yes\n  - *q\n',
];

describeWithReference('dbt loader: YAML against PyYAML', () => {
  it('parses every document as PyYAML does, or rejects what PyYAML rejects', () => {
    const want = reference(YAML_DOCS.map((yaml) => ({ yaml })));
    const wrong: string[] = [];
    YAML_DOCS.forEach((doc, i) => {
      const ref = want[i];
      let got: Result;
      try {
        got = { ok: JSON.parse(JSON.stringify(parseYamlFile(doc, 'x.yml').value)) };
      } catch (err) {
        got = { error: (err as Error).message };
      }
      if (
        'ok' in ref !== 'ok' in got ||
        ('ok' in ref && JSON.stringify(ref.ok) !== JSON.stringify((got as { ok: unknown }).ok))
      ) {
        wrong.push(`${JSON.stringify(doc)}: Backflow ${JSON.stringify(got)}, PyYAML ${JSON.stringify(ref)}`);
      }
    });
    expect(wrong).toEqual([]);
  });
});
