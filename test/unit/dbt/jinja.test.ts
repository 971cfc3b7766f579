import { NotStaticError } from '../../../src/adapters/dbt/errors';
import { evaluate, NativeFn, pyStr, Unknown, type Value } from '../../../src/adapters/dbt/jinja/evaluate';
import { parseArguments, parseExpression } from '../../../src/adapters/dbt/jinja/expr';
import { lexTemplate } from '../../../src/adapters/dbt/jinja/template';

function ev(src: string, names: Record<string, Value> = {}): Value {
  return evaluate(parseExpression(src), (n) => names[n]);
}

describe('Jinja expressions', () => {
  it.each<[string, Value]>([
    ["'a' ~ 'b' | upper", 'aB'], // filters bind tighter than ~
    ['1 + 2 * 3', 7],
    ["'x' if none else 'y'", 'y'],
    ['none is none', true],
    ["'a' is not none and 'b'", 'b'], // and returns an operand
    ["'' or 'fallback'", 'fallback'],
    ["not ''", true],
    ["'prod' in ['prod', 'production']", true],
    ["'ab' not in 'xaby'", false],
    ["' x ' | trim", 'x'],
    ["'a.b.c' | replace('.', '_')", 'a_b_c'],
    ["1.5 | replace('.', '_')", '1_5'], // string filters convert with str()
    ["'Abc'.lower()", 'abc'],
    ["' Abc '.strip()", 'Abc'],
    ["{'a': [1, 2]}['a'][1]", 2],
    ['True ~ None', 'TrueNone'],
    ["'a' 'b'", 'ab'], // adjacent strings
    ['-3 + 1', -2],
    ['(1, 2) == [1, 2]', true],
    ["'x' == 'x' != false", true], // chained: 'x' == 'x' and 'x' != false
    ['1 < 2 < 2', false],
  ])('%s → %p', (src, expected) => {
    expect(ev(src)).toEqual(expected);
  });

  it('throws NotStaticError for anything it does not know', () => {
    expect(() => ev('target.name')).toThrow(NotStaticError);
    expect(() => ev('my_macro()')).toThrow('my_macro() is a macro Backflow cannot run');
    expect(() => ev('x | my_filter', { x: 'a' })).toThrow('the Jinja filter "my_filter" is not supported');
    expect(() => ev('node.fqn', { node: { name: 'a' } })).toThrow('"node.fqn" is not known');
  });

  it('decides comparisons with a value known not to be one of a few, and nothing else', () => {
    const names = { t: new Unknown('target.name', ['prod'], 'set it') };
    expect(ev("t == 'prod'", names)).toBe(false);
    expect(ev("t != 'prod'", names)).toBe(true);
    expect(() => ev("t == 'dev'", names)).toThrow('target.name is not known');
    expect(() => ev('t ~ "x"', names)).toThrow(NotStaticError);
  });

  it('calls functions the environment provides', () => {
    const f = new NativeFn('f', (args, kw) => `${pyStr(args[0])}-${pyStr(kw.k ?? null)}`);
    expect(ev("f('a', k=1)", { f })).toBe('a-1');
  });

  it('parses argument lists as Python literals for dbt.config()', () => {
    const { kwargs } = parseArguments(
      `\n  materialized="table",  # a comment\n  tags=['a', "b"],\n  enabled=True,\n`,
      true,
    );
    expect(kwargs.map((k) => [k.name, k.value])).toEqual([
      ['materialized', { t: 'lit', v: 'table' }],
      [
        'tags',
        {
          t: 'list',
          items: [
            { t: 'lit', v: 'a' },
            { t: 'lit', v: 'b' },
          ],
        },
      ],
      ['enabled', { t: 'lit', v: true }],
    ]);
    expect(() => parseArguments("x=f'a'", true)).toThrow(/f-prefixed string/);
    expect(() => parseArguments('*opts', true)).toThrow(/\*args/);
    expect(parseArguments('**opts', true).kwargs).toEqual([
      { name: '**', value: { t: 'name', n: 'opts' }, pos: 2 },
    ]);
  });
});

describe('Jinja templates', () => {
  it('splits text, expressions and statements, applying whitespace control', () => {
    const parts = lexTemplate('a  {{- x -}}  b {%- if y %} c {% endif -%}\n d{# note #}e');
    expect(parts.map((p) => (p.k === 'text' ? `T:${p.s}` : `${p.k}:${p.src.trim()}`))).toEqual([
      'T:a',
      'expr:x',
      'T:b',
      'stmt:if y',
      'T: c ',
      'stmt:endif',
      'T:d',
      'T:e',
    ]);
  });

  it('finds the end of a tag past braces and strings inside it', () => {
    const parts = lexTemplate("{{ config(meta={'a': {'b': '}}'}}) }}rest");
    expect(parts[0]).toMatchObject({ k: 'expr', src: " config(meta={'a': {'b': '}}'}}) " });
    expect(parts[1]).toMatchObject({ k: 'text', s: 'rest' });
  });

  it('keeps raw blocks as text', () => {
    expect(lexTemplate('{% raw %}{{ not_parsed }}{% endraw %}')).toEqual([
      { k: 'text', s: '{{ not_parsed }}', pos: 9 },
    ]);
  });

  it('reports an unclosed tag with its offset', () => {
    expect(() => lexTemplate('abc {{ x')).toThrow(expect.objectContaining({ pos: 4 }));
  });
});
