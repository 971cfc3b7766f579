/**
 * The body of a created or destroyed resource (`+ resource "model" "x" { … }`) as text, straight from the
 * plan's values in one pass. It is the same layout `resourceBlock` (diff-lines.ts) gives such a change
 * through the JSON plan — every attribute listed with one symbol, keys sorted and their `=` aligned,
 * secrets as `(sensitive value)`, unknown computed values as `(known after apply)`, multi-line strings
 * as heredocs — without building the redacted copy, the masks and a DiffLine per line first: a plan of
 * 20,000 new resources is nearly all such changes, and those three passes were most of its rendering
 * time and garbage. Tests check it line for line against the general path (whole-block.test.ts).
 *
 * `undefined` means "not for this path": anything else goes through the JSON plan as before.
 */
import { isSensitive } from '../config/secrets';
import type { ResourceChange } from '../engine/plan';
import { heredocTag } from './diff-lines';
import { splitLines } from './line-diff';
import { isPlainObject } from './sensitive';
import { formatKey, formatScalar, sanitize } from './text';

/** How a view lays out one line: the symbol columns for `+`, `-` and ` ` (coloured or not). */
export interface BlockMarks {
  '+': string;
  '-': string;
  ' ': string;
}

const INDENT: string[] = [];
function indent(depth: number): string {
  let s = INDENT[depth];
  if (s === undefined) s = INDENT[depth] = '    '.repeat(depth);
  return s;
}

/** Thrown (and caught below) on a value this path does not reproduce exactly; never escapes. */
const BAIL = Symbol('bail');

class Writer {
  text = '';
  constructor(
    private readonly marks: BlockMarks,
    readonly symbol: '+' | '-',
  ) {}

  /** One line, as human.ts lays it out: indentation, the symbol in three columns, a space, the text. */
  line(depth: number, symbol: '+' | '-' | ' ', text: string): void {
    const out = indent(depth) + this.marks[symbol] + ' ' + text;
    this.text += '\n' + (text === '' ? out.trimEnd() : out);
  }
}

/**
 * The lines of a create (after only) or a destroy (before only) with nothing forcing replacement, joined by
 * `\n` and starting with one (they follow the header); `undefined` for any other change.
 */
export function wholeBlockText(rc: ResourceChange, marks: BlockMarks): string | undefined {
  let value: Record<string, unknown> | null;
  let symbol: '+' | '-';
  let unknown: ReadonlySet<string> | undefined;
  if (rc.action === 'create' && rc.before === null) {
    value = rc.after;
    symbol = '+';
    unknown = unknownKeys(rc.computed);
  } else if (rc.action === 'delete' && rc.after === null) {
    value = rc.before;
    symbol = '-';
  } else return undefined;
  if (rc.replace_paths.length > 0 || !isPlainObject(value) || isSensitive(value)) return undefined;

  const w = new Writer(marks, symbol);
  w.line(0, symbol, `resource ${JSON.stringify(rc.type)} ${JSON.stringify(rc.name)} {`);
  try {
    objectMembers(w, value, unknown, 1);
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
  w.line(0, ' ', '}');
  return w.text;
}

/** A new object's computed attributes the plan could not know yet (left `undefined` by the engine). */
function unknownKeys(computed: Record<string, unknown> | undefined): Set<string> | undefined {
  if (computed === undefined) return undefined;
  let out: Set<string> | undefined;
  for (const key of Object.keys(computed)) {
    if (computed[key] === undefined) (out ??= new Set()).add(key);
  }
  return out;
}

/** An object's attributes, sorted, `=` aligned; `unknown` only at the top level (computed attributes). */
function objectMembers(
  w: Writer,
  value: Record<string, unknown>,
  unknown: ReadonlySet<string> | undefined,
  depth: number,
): void {
  const layout = layoutOf(Object.keys(value), unknown);
  const { keys, prefixes } = layout;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const v = value[key];
    member(w, prefixes[i], false, v, isSensitive(v), unknown?.has(key) === true, depth);
  }
}

/** An object's keys in display order, each with its `key = ` prefix padded to align the `=`. */
interface Layout {
  /** The object's own keys as `Object.keys` gave them (the cache's key). */
  own: readonly string[];
  keys: readonly string[];
  prefixes: readonly string[];
}

/**
 * The last few layouts: resources of one type, and their nested blocks, mostly share their keys, so a large
 * plan sorts and pads each set of keys once rather than once per resource.
 */
const LAYOUTS: Layout[] = [];
const MAX_LAYOUTS = 32;

function layoutOf(own: string[], unknown: ReadonlySet<string> | undefined): Layout {
  if (unknown === undefined) {
    for (const layout of LAYOUTS) if (sameKeys(layout.own, own)) return layout;
  }
  // The JSON plan's redacted copy cannot hold an own `__proto__` key (assigning it sets the prototype):
  // leave such a value to the general path, which shows what the JSON plan holds.
  if (own.includes('__proto__')) throw BAIL;
  let keys = own.slice();
  if (unknown !== undefined) {
    const all = new Set(keys);
    for (const k of unknown) all.add(k);
    keys = [...all];
  }
  keys.sort();
  const shown = keys.map(formatKey);
  let width = 0;
  for (const k of shown) if (k.length > width) width = k.length;
  const layout: Layout = { own, keys, prefixes: shown.map((k) => k.padEnd(width) + ' = ') };
  if (unknown === undefined) {
    if (LAYOUTS.length >= MAX_LAYOUTS) LAYOUTS.shift();
    LAYOUTS.push(layout);
  }
  return layout;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Mirrors diff-lines.ts `whole` for one side's value, with its sensitivity and unknown flag. */
function member(
  w: Writer,
  prefix: string,
  element: boolean,
  value: unknown,
  sensitive: boolean,
  unknown: boolean,
  depth: number,
): void {
  const symbol = w.symbol;
  // Terraform writes `-> null` after a removed attribute; list elements just disappear.
  const tail = (symbol === '-' && !element ? ' -> null' : '') + (element ? ',' : '');
  if (!sensitive && !unknown) {
    if (Array.isArray(value)) {
      if (!hasElement(value)) return w.line(depth, symbol, prefix + '[]' + tail);
      w.line(depth, symbol, prefix + '[');
      for (let i = 0; i < value.length; i++) {
        if (!(i in value)) continue;
        const v: unknown = value[i];
        member(w, '', true, v, isSensitive(v), false, depth + 1);
      }
      return w.line(depth, ' ', ']' + tail);
    }
    if (isPlainObject(value)) {
      if (Object.keys(value).length === 0) return w.line(depth, symbol, prefix + '{}' + tail);
      w.line(depth, symbol, prefix + '{');
      objectMembers(w, value, undefined, depth + 1);
      return w.line(depth, ' ', '}' + tail);
    }
  }
  if (!sensitive && typeof value === 'string' && value.includes('\n')) {
    const lines = splitLines(value);
    const tag = heredocTag(lines);
    w.line(depth, symbol, `${prefix}<<-${tag}`);
    for (const l of lines) w.line(depth + 1, symbol, sanitize(l));
    return w.line(depth, ' ', tag + tail);
  }
  const text = sensitive ? '(sensitive value)' : unknown ? '(known after apply)' : formatScalar(value);
  w.line(depth, symbol, prefix + text + tail);
}

function hasElement(value: unknown[]): boolean {
  for (let i = 0; i < value.length; i++) if (i in value) return true;
  return false;
}
