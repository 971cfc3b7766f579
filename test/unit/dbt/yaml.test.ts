import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseYamlFast } from '../../../src/adapters/dbt/yaml/fast-yaml';
import { parseWithYamlPackage, parseYamlFile } from '../../../src/adapters/dbt/yaml/yaml-file';
import { DbtLoadError } from '../../../src/adapters/dbt/errors';

/** Every key's and item's line, as a flat list of [json path, line], for comparing both parsers. */
function linesOf(doc: ReturnType<typeof parseYamlFile>): [string, number | undefined][] {
  const out: [string, number | undefined][] = [];
  const walk = (v: unknown, path: string) => {
    if (v === null || typeof v !== 'object') return;
    const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
    for (const k of keys) {
      out.push([`${path}/${k}`, doc.line(v, k)]);
      walk((v as any)[k], `${path}/${k}`);
    }
  };
  walk(doc.value, '');
  return out;
}

/** The fast parser either declines, or agrees with the `yaml` package on values and lines. */
function agrees(text: string): 'fast' | 'fallback' {
  const fast = parseYamlFast(text);
  const full = parseWithYamlPackage(text, 'x.yml');
  if (!fast) return 'fallback';
  expect(fast.value).toEqual(full.value);
  const fastDoc = parseYamlFile(text, 'x.yml');
  expect(linesOf(fastDoc)).toEqual(linesOf(full));
  return 'fast';
}

const FAST_CASES: Record<string, string> = {
  'properties file': `
version: 2

models:
  - name: orders   # the orders
    description: "All orders, one row per order"
    config:
      materialized: table
      +schema: marts
      enabled: true
    columns:
      - name: order_id
        description: 'It''s the key'
        data_type: integer
        tests:
          - unique
          - not_null
      - name: status
        tests:
          - accepted_values:
              values: [placed, shipped, 'returned', "completed"]
              config: {severity: warn, where: "status != 'x'"}
    constraints:
      - type: primary_key
        columns: [order_id]
`,
  'sequence at the indentation of its key': `models:\n- name: a\n  columns:\n  - name: b\n  - name: c\n- name: d\n`,
  'block scalars': `a: |\n  line one\n  line two\n\n  after blank\nb: >\n  folded\n  text\n\n  para\nc: |-\n  stripped\nd: >-\n  x\n  y\ne: |+\n  keep\n\nf: 1\n`,
  'literal with deeper lines and comments inside': `a: |\n  select 1\n    -- indented\n  # not a comment\nb: x\n`,
  'scalars as PyYAML reads them': `a: yes\nb: No\nc: off\nd: ~\ne: null\nf: 12\ng: -3\nh: 1.5\ni: y\nj: n\nk: "yes"\nl:\nm: 'v: 1'\nn: http://x.y/z#frag\no: a #comment\n`,
  'flow collections': `a: []\nb: {}\nc: [1, [2, 3], {x: y, "k": 'v'}]\nd: {a: [1, 2], b: c}\n`,
  'nested sequences of mappings': `- a: 1\n  b:\n    - c: 2\n      d: [x]\n-\n  e: 3\n- plain\n- 'quoted'\n- \n`,
  'empty document': `# only a comment\n`,
  'windows line ends': `a: 1\r\nb:\r\n  - x\r\n`,
  'unicode escapes': `a: "caf\\u00e9 \\"q\\" \\\\ \\n"\n`,
  'keys with spaces and quotes': `"a b": 1\n'c': 2\nd e: 3\n+schema: s\n`,
};

FAST_CASES['anchors and aliases'] = `
version: 2
models:
  - name: transfers_daily
    description: &transfers_description |
      Net transfers per day,
      one row per address.
    columns:
      - name: block_date
        description: &date_description "The UTC day"
      - name: amount
        tests: &amount_tests
          - not_null
          - dbt_utils.accepted_range:
              min_value: 0
  - name: transfers_hourly
    description: *transfers_description
    config: &cfg {alias: hourly, tags: [a, b]}
    columns:
      - name: block_date
        description: *date_description
      - name: amount
        tests: *amount_tests
  - name: other
    config: *cfg
    meta: &empty
    docs: *empty
`;

const FALLBACK_CASES: Record<string, string> = {
  'an anchor on a key': `&k a: 1\n`,
  'merge keys': `base: &b\n  x: 1\nother:\n  <<: *b\n  y: 2\n`,
  'multi-line plain scalar': `a: one\n  two\nb: 1\n`,
  'multi-line quoted scalar': `a: "one\n  two"\n`,
  'document marker': `---\na: 1\n`,
  tags: `a: !!str 1\n`,
  'unusual numbers': `a: 0x1F\nb: 1_000\nc: 2024-01-01\nd: 1e3\ne: .inf\nf: 010\n`,
  tabs: `a:\t1\n`,
  'explicit indentation indicator': `a: |2\n   x\n`,
  'folded with more-indented line': `a: >\n  x\n    y\n  z\n`,
};

describe('YAML: the fast subset parser agrees with the yaml package', () => {
  for (const [name, text] of Object.entries(FAST_CASES)) {
    it(`parses ${name} itself, identically`, () => {
      expect(agrees(text)).toBe('fast');
    });
  }
  for (const [name, text] of Object.entries(FALLBACK_CASES)) {
    it(`leaves ${name} to the yaml package`, () => {
      expect(parseYamlFast(text)).toBeUndefined();
      expect(() => parseYamlFile(text, 'x.yml')).not.toThrow();
    });
  }

  it.each([
    ['an anchor defined twice', `a: &x 1\nb: &x 2\nc: *x\n`, /duplicate anchor x/],
    ['an alias before its anchor', `a: *x\nb: &x 1\n`, /alias/i],
    ['an alias with more after it', `a: &x 1\nb: *x y\n`, /scalar/],
  ])('declines %s, which PyYAML rejects, and so does the full parser', (_name, text, why) => {
    expect(parseYamlFast(text)).toBeUndefined();
    expect(() => parseYamlFile(text, 'x.yml')).toThrow(why);
  });

  it('agrees on every YAML file of the fixture projects', () => {
    const root = join(__dirname, '../../fixtures/dbt');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.ya?ml$/.test(name)) files.push(p);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) agrees(readFileSync(f, 'utf8'));
  });

  it('reads PyYAML scalars the same way when the yaml package parses them', () => {
    const doc = parseWithYamlPackage(`a: &x yes\nb: y\nc: 2024-01-01\nd: *x\n`, 'x.yml');
    expect(doc.value).toEqual({ a: true, b: 'y', c: '2024-01-01', d: true });
  });
});

describe('YAML: errors', () => {
  it.each([
    ['a bad indentation', 'models:\n  - name: a\n   description: b\n', 3],
    ['an unclosed quote', 'a: "x\nb: 1\n', 3],
    ['a nested mapping on one line', 'a: b: c\n', 1],
    ['an unclosed flow sequence', 'a: [1, 2\nb: 3\n', 2],
  ])('reports %s with the file and line', (_name, text, line) => {
    let err: unknown;
    try {
      parseYamlFile(text, 'models/schema.yml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DbtLoadError);
    expect(err).toMatchObject({ file: 'models/schema.yml' });
    expect((err as DbtLoadError).line).toBeGreaterThanOrEqual(line - 1);
    expect((err as DbtLoadError).line).toBeLessThanOrEqual(line);
    expect((err as DbtLoadError).message).toMatch(/^models\/schema\.yml line \d+: invalid YAML: /);
    expect((err as DbtLoadError).hint).toMatch(/Fix the YAML/);
  });
});
