/**
 * YAML files of a dbt project, parsed the way dbt (PyYAML, YAML 1.1) reads them, with the line of every
 * mapping key and sequence item kept for messages. The fast subset parser runs first; anything it does
 * not take is parsed by the `yaml` package, which also reports syntax errors with their line.
 */
import * as jsYaml from 'js-yaml';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Tags } from 'yaml';
import { DbtLoadError } from '../errors';
import { parseYamlFast, type LineTable } from './fast-yaml';

export interface YamlFile {
  /** Repository-relative path, for messages. */
  file: string;
  value: unknown;
  /** The line of `key` in a mapping (or item `key` of a sequence) of this file's value. */
  line(container: unknown, key: string | number): number | undefined;
}

/** PyYAML's booleans (no `y`/`n`) and no timestamps (dates stay strings), on top of YAML 1.1. */
const pyyamlTags = (tags: Tags): Tags =>
  tags
    .filter((t) => !(typeof t === 'object' && t.tag === 'tag:yaml.org,2002:timestamp'))
    .map((t) => {
      // PyYAML's floats need a dot, and an exponent needs its sign: `1e3` and `1.5e3` are strings there.
      if (
        typeof t === 'object' &&
        !('collection' in t) &&
        t.tag === 'tag:yaml.org,2002:float' &&
        t.format === 'EXP'
      ) {
        return { ...t, test: /^[-+]?[0-9][0-9_]*\.[0-9_]*[eE][-+][0-9]+$/ };
      }
      if (
        typeof t === 'object' &&
        !('collection' in t) &&
        t.tag === 'tag:yaml.org,2002:float' &&
        t.test?.test('.5')
      ) {
        return { ...t, test: /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)$/ };
      }
      if (typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:bool' || !('test' in t) || !t.test) return t;
      const truthy = t.test.test('true');
      return {
        ...t,
        test: truthy
          ? /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/
          : /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
      };
    });

export function parseYamlFile(text: string, file: string): YamlFile {
  const fast = parseYamlFast(text);
  if (fast) return withLines(file, fast.value, fast.lines);
  return parseWithYamlPackage(text, file);
}

/** The `yaml` package only (the fallback; exported for the differential test). */
export function parseWithYamlPackage(text: string, file: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    uniqueKeys: false,
    lineCounter,
    prettyErrors: true,
    customTags: pyyamlTags,
  });
  if (doc.errors.length > 0) {
    // PyYAML takes what the `yaml` package rejects as not quite YAML (a multi-line quoted scalar whose
    // continuation lines are not indented past their key, common in dbt projects): so does js-yaml, a port
    // of PyYAML. The value then has no line numbers.
    const lax = parsePyYamlLax(text);
    if (lax) return withLines(file, lax.value, new WeakMap());
    const err = doc.errors[0];
    const first = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new DbtLoadError(`invalid YAML: ${first}`, {
      file,
      line: err.linePos?.[0].line,
      hint: 'Fix the YAML syntax (indentation, a missing colon or quote) and commit again.',
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 10000 });
  } catch (e) {
    throw new DbtLoadError(`invalid YAML: ${(e as Error).message}`, { file });
  }
  const lines: LineTable = new WeakMap();
  // Anchors found once: the package's Alias.resolve walks the whole document for every alias, which is
  // quadratic on the anchor-heavy properties files some projects have (seconds per file).
  const anchors = new Map<string, unknown>();
  if (text.includes('&')) {
    visit(doc, {
      Node(_key, n) {
        const anchor = (n as { anchor?: string }).anchor;
        if (!anchor) return;
        // PyYAML refuses a document defining one anchor twice; the yaml package lets the last one win.
        if (anchors.has(anchor)) {
          throw new DbtLoadError(`invalid YAML: found duplicate anchor ${anchor}`, {
            file,
            line: lineCounter.linePos((n as { range: [number, number, number] }).range[0]).line,
            hint: 'Give each anchor (&name) its own name: dbt (PyYAML) refuses the file.',
          });
        }
        anchors.set(anchor, n);
      },
    });
  }
  annotate(anchors, doc.contents, value, lines, lineCounter, 0);
  return withLines(file, value, lines);
}

/** PyYAML's YAML 1.1 booleans on js-yaml's core schema; timestamps stay strings, as above. */
const PY_BOOL = new jsYaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (d: unknown) =>
    typeof d === 'string' &&
    /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON|no|No|NO|false|False|FALSE|off|Off|OFF)$/.test(d),
  construct: (d: string) => /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/.test(d),
  predicate: (o: unknown) => typeof o === 'boolean',
});
const PY_SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [PY_BOOL] });

function parsePyYamlLax(text: string): { value: unknown } | undefined {
  try {
    return { value: jsYaml.load(text, { schema: PY_SCHEMA, json: true }) ?? null };
  } catch {
    return undefined;
  }
}

function withLines(file: string, value: unknown, lines: LineTable): YamlFile {
  return {
    file,
    value,
    line(container, key) {
      if (container === null || typeof container !== 'object') return undefined;
      return lines.get(container)?.get(key);
    },
  };
}

/** Walks the document and its JS value side by side, recording the line of every key and item. */
function annotate(
  anchors: Map<string, unknown>,
  node: unknown,
  value: unknown,
  lines: LineTable,
  lc: LineCounter,
  depth: number,
): void {
  if (depth > 200 || value === null || typeof value !== 'object') return;
  if (isAlias(node)) node = anchors.get(node.source);
  const lineOf = (n: unknown) => {
    const range = (n as { range?: [number, number, number] } | null)?.range;
    return range ? lc.linePos(range[0]).line : undefined;
  };
  if (isMap(node) && !Array.isArray(value)) {
    const table = lines.get(value) ?? new Map<string | number, number>();
    lines.set(value, table);
    for (const pair of node.items) {
      const rawKey = isScalar(pair.key) ? pair.key.value : pair.key;
      if (rawKey === '<<') continue; // merged keys: lines of the anchor they come from
      const key = String(rawKey);
      const line = lineOf(pair.key);
      if (line !== undefined) table.set(key, line);
      annotate(anchors, pair.value, (value as Record<string, unknown>)[key], lines, lc, depth + 1);
    }
  } else if (isSeq(node) && Array.isArray(value)) {
    const table = lines.get(value) ?? new Map<string | number, number>();
    lines.set(value, table);
    node.items.forEach((item, i) => {
      const line = lineOf(item);
      if (line !== undefined) table.set(i, line);
      annotate(anchors, item, value[i], lines, lc, depth + 1);
    });
  }
}

/** A mapping (plain object) or undefined. */
export function asMap(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
