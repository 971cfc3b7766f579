import { parseTree } from 'jsonc-parser';
import { locate, nodeAt, positionAt, type ConfigFile } from '../../../src/config/config-file';
import { countMembers, outlineJson } from '../../../src/config/json-outline';
import { parseConfigFile } from '../../../src/config/parse-json';
import { MAX_CONFIG_DEPTH } from '../../../src/input/input-limits';
import { nestingProblem } from '../../../src/input/json-limits';

// Strings holding JSON punctuation and escapes, keys with escapes, arrays and nesting at every level.
const TEXT = `{
  "sources": { "w\\"h": { "settings": { "a": [1, {"b": "}:,{["}] } } },
  "models": {
    "m_1": { "query": "select ':' as \\"x\\" -- {", "primary_key": "id", "tags": ["a", "b,c"] },
    "m\\u005f2":{"query":"select 2","primary_key":"id"},
    "m_3": 7
  },
  "syncs": [ { "x": 1 } ],
  "destinations": {}
}`;

describe('json outline', () => {
  it('counts every object member and stops at a __proto__ key', () => {
    expect(outlineJson(TEXT).members).toBe(countMembers(JSON.parse(TEXT)));
    expect(outlineJson('{"a": 1, "a": 2}').members).toBe(2);
    expect(countMembers(JSON.parse('{"a": 1, "a": 2}'))).toBe(1);
    expect(countMembers(JSON.parse('{"x": {"__proto__": 1}}'))).toBe(-1);
  });

  it('locates the top two levels exactly where the syntax tree does', () => {
    const { file, diagnostics } = parseConfigFile('/x/backflow.json', 'backflow.json', TEXT);
    expect(diagnostics).toEqual([]);
    expect(file.outline).toBeDefined();
    const tree = parseTree(TEXT)!;
    const paths: string[][] = [
      ['sources'],
      ['sources', 'w"h'],
      ['models'],
      ['models', 'm_1'],
      ['models', 'm_2'],
      ['models', 'm_3'],
      ['syncs'],
      ['destinations'],
    ];
    for (const segments of paths) {
      for (const key of [false, true]) {
        const expected = positionAt(file, nodeAt(tree, segments, key).offset);
        expect({ segments, key, at: locate(file, segments, key) }).toEqual({ segments, key, at: expected });
      }
    }
    // Deeper paths fall back to the syntax tree, built on first use.
    const deep = ['models', 'm_1', 'tags', 1];
    expect(locate(file, deep)).toEqual(positionAt(file, nodeAt(tree, deep).offset));
  });

  it('leaves duplicate keys to the full parser, which reports them', () => {
    const { file, diagnostics } = parseConfigFile(
      '/x/backflow.json',
      'backflow.json',
      '{ "models": { "a": {}, "a": {} } }',
    );
    expect((file as ConfigFile).outline).toBeUndefined();
    expect(diagnostics.map((d) => d.summary)).toEqual(['duplicate key "a"']);
  });

  it('decodes a key holding an escape that is not before a quote', () => {
    const outline = outlineJson('{ "models": { "a\\u0041": {}, "b\\n": {}, "c\\"": {} } }');
    expect([...outline.root!.get('models')!.members!.keys()]).toEqual(['aA', 'b\n', 'c"']);
  });

  it('gives the lines and columns positionAt gives, whatever the line endings and indentation', () => {
    for (const text of [TEXT.replace(/\n/g, '\r\n'), TEXT.replace(/ {2}/g, '\t'), TEXT.replace(/\n/g, '')]) {
      const { file } = parseConfigFile('/x/backflow.json', 'backflow.json', text);
      expect(file.outline).toBeDefined();
      const tree = parseTree(text)!;
      for (const segments of [['sources'], ['models'], ['models', 'm_1'], ['models', 'm_3'], ['syncs']])
        for (const key of [false, true])
          expect(locate(file, segments, key)).toEqual(positionAt(file, nodeAt(tree, segments, key).offset));
    }
  });

  it('measures nesting as nestingProblem does: a valid file one level too deep is refused, with its place', () => {
    const nested = (levels: number) => `{"models": ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
    expect(outlineJson(nested(MAX_CONFIG_DEPTH)).tooDeep).toBeUndefined();
    expect(outlineJson(nested(MAX_CONFIG_DEPTH + 1), MAX_CONFIG_DEPTH).tooDeep).toBe(true);
    expect(
      parseConfigFile('/x/backflow.json', 'backflow.json', nested(MAX_CONFIG_DEPTH)).file.value,
    ).toBeDefined();
    for (const text of [nested(MAX_CONFIG_DEPTH + 1), '\n\n  ' + nested(5000)]) {
      const { file, diagnostics } = parseConfigFile('/x/backflow.json', 'backflow.json', text);
      const problem = nestingProblem(text, MAX_CONFIG_DEPTH)!;
      expect(file.value).toBeUndefined();
      expect(diagnostics).toEqual([
        expect.objectContaining({
          summary: `invalid JSON: ${problem.message}`,
          path: problem.path,
          line: problem.line,
          column: problem.column,
        }),
      ]);
      expect(problem.message).toContain(`deeper than ${MAX_CONFIG_DEPTH} levels`);
    }
  });
});
