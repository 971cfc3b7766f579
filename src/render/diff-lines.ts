/**
 * A resource's change as diff lines (`~ query = "a" -> "b"`), computed from the JSON plan. The human view
 * and the Markdown view lay out the same lines differently (symbol after or before the indentation), so
 * what they show cannot drift apart.
 *
 * Layout rules follow Terraform: creates and destroys list every attribute; updates list changed ones and
 * count the rest (`# (3 unchanged attributes hidden)`); attributes are sorted and their `=` aligned;
 * multi-line strings (SQL) are heredocs diffed line by line.
 */
import type { LineSymbol } from './actions';
import type { JsonResourceChange } from './json-plan';
import { diffLines, splitLines } from './line-diff';
import { isPlainObject } from './sensitive';
import { formatKey, formatScalar, plural, sanitize } from './text';

export interface DiffLine {
  /** Nesting level: 0 is the `resource "type" "name" {` line. */
  depth: number;
  symbol: LineSymbol;
  text: string;
  /** A trailing comment such as `# forces replacement`, kept apart so a view can colour it. */
  note?: string;
  /**
   * For a `~` line that changes one scalar (`key = "a" -> "b"`): its two sides, so a view can show them
   * as a removed and an added line (the Markdown view does: GitHub colours those, not `~`). `text` is
   * always the one-line form.
   */
  change?: ScalarChange;
}

export interface ScalarChange {
  /** `key = ` in an object, empty in a list. */
  prefix: string;
  before: string;
  after: string;
  /** The raw strings, when both sides are strings: a long one is best compared word-wrapped, line by line. */
  strings?: [string, string];
  /** `,` after a list element. */
  suffix: string;
}

export const FORCES_REPLACEMENT = '# forces replacement';

/** One side of a change at one path: the value (secrets removed), its sensitivity and unknown masks. */
interface Side {
  present: boolean;
  value: unknown;
  sensitive: unknown;
  unknown: unknown;
}

interface Ctx {
  replacePaths: Set<string>;
  changedSensitive: string[][];
}

/** How a node is introduced: `key = ` inside an object, nothing (and a trailing comma) in an array. */
interface Label {
  prefix: string;
  element: boolean;
}

export function resourceBlock(rc: JsonResourceChange, symbol: LineSymbol): DiffLine[] {
  const c = rc.change;
  const ctx: Ctx = {
    replacePaths: new Set(c.replace_paths.map(pathKey)),
    changedSensitive: c.changed_sensitive_paths,
  };
  const before: Side = {
    present: c.before !== null,
    value: c.before,
    sensitive: c.before_sensitive,
    unknown: false,
  };
  const after: Side = {
    present: c.after !== null,
    value: c.after,
    sensitive: c.after_sensitive,
    unknown: c.after_unknown,
  };
  return [
    { depth: 0, symbol, text: `resource ${JSON.stringify(rc.type)} ${JSON.stringify(rc.name)} {` },
    ...children(ctx, before, after, [], 1, 'object'),
    { depth: 0, symbol: ' ', text: '}' },
  ];
}

type Kind = 'object' | 'array';

function children(ctx: Ctx, b: Side, a: Side, path: string[], depth: number, kind: Kind): DiffLine[] {
  const shown: { key: string; b: Side; a: Side; path: string[] }[] = [];
  let hidden = 0;
  for (const key of kind === 'object' ? objectKeys(b, a) : arrayKeys(b, a)) {
    const cb = child(b, key);
    const ca = child(a, key);
    if (!cb.present && !ca.present) continue;
    const at = [...path, key];
    if (cb.present && ca.present && same(ctx, cb, ca, at)) hidden++;
    else shown.push({ key, b: cb, a: ca, path: at });
  }
  const width = Math.max(0, ...shown.map((s) => formatKey(s.key).length));
  const lines: DiffLine[] = [];
  for (const s of shown) lines.push(...node(ctx, label(kind, s.key, width), s.b, s.a, s.path, depth));
  if (hidden > 0) {
    const what = kind === 'object' ? 'unchanged attribute' : 'unchanged element';
    lines.push({ depth, symbol: ' ', text: `# (${plural(hidden, what)} hidden)` });
  }
  return lines;
}

function node(ctx: Ctx, lbl: Label, b: Side, a: Side, path: string[], depth: number): DiffLine[] {
  if (!b.present) return whole(ctx, lbl, a, '+', path, depth);
  if (!a.present) return whole(ctx, lbl, b, '-', path, depth);
  const note = forcesReplacement(ctx, path);
  const comma = lbl.element ? ',' : '';
  const leaf = (text: string, change?: Omit<ScalarChange, 'prefix' | 'suffix'>): DiffLine[] => [
    withNote(
      {
        depth,
        symbol: '~',
        text: lbl.prefix + text + comma,
        ...(change === undefined ? {} : { change: { prefix: lbl.prefix, suffix: comma, ...change } }),
      },
      note,
    ),
  ];

  if (b.sensitive === true && a.sensitive === true) return leaf('(sensitive value changed)');
  if (a.unknown === true) {
    const before = scalar(b);
    return leaf(`${before} -> (known after apply)`, { before, after: '(known after apply)' });
  }
  const kb = kindOf(b);
  if (kb !== undefined && kb === kindOf(a)) {
    return [
      withNote({ depth, symbol: '~', text: lbl.prefix + open(kb) }, note),
      ...children(ctx, b, a, path, depth + 1, kb),
      { depth, symbol: ' ', text: close(kb) + comma },
    ];
  }
  if (typeof b.value === 'string' && typeof a.value === 'string' && (isMultiline(b) || isMultiline(a))) {
    const before = splitLines(b.value);
    const after = splitLines(a.value);
    const tag = heredocTag([...before, ...after]);
    return [
      withNote({ depth, symbol: '~', text: `${lbl.prefix}<<-${tag}` }, note),
      ...diffLines(before, after).map((op): DiffLine => ({
        depth: depth + 1,
        symbol: op.op,
        text: sanitize(op.line),
      })),
      { depth, symbol: ' ', text: tag + comma },
    ];
  }
  const before = scalar(b);
  const after = scalar(a);
  const strings: [string, string] | undefined =
    typeof b.value === 'string' && typeof a.value === 'string' && b.sensitive !== true && a.sensitive !== true
      ? [b.value, a.value]
      : undefined;
  return leaf(`${before} -> ${after}`, { before, after, ...(strings === undefined ? {} : { strings }) });
}

/** A value that exists on one side only: every part of it carries the same symbol. */
function whole(
  ctx: Ctx,
  lbl: Label,
  side: Side,
  symbol: '+' | '-',
  path: string[],
  depth: number,
): DiffLine[] {
  const note = forcesReplacement(ctx, path);
  // Terraform writes `-> null` after a removed attribute; list elements just disappear.
  const tail = (symbol === '-' && !lbl.element ? ' -> null' : '') + (lbl.element ? ',' : '');
  const kind = kindOf(side);
  if (kind !== undefined) {
    const present = (kind === 'object' ? objectKeys(side) : arrayKeys(side))
      .map((k) => ({ k, side: child(side, k) }))
      .filter((c) => c.side.present);
    if (present.length === 0)
      return [withNote({ depth, symbol, text: lbl.prefix + open(kind) + close(kind) + tail }, note)];
    const width = Math.max(...present.map((c) => formatKey(c.k).length));
    return [
      withNote({ depth, symbol, text: lbl.prefix + open(kind) }, note),
      ...present.flatMap((c) =>
        whole(ctx, label(kind, c.k, width), c.side, symbol, [...path, c.k], depth + 1),
      ),
      { depth, symbol: ' ', text: close(kind) + tail },
    ];
  }
  if (typeof side.value === 'string' && isMultiline(side)) {
    const lines = splitLines(side.value);
    const tag = heredocTag(lines);
    return [
      withNote({ depth, symbol, text: `${lbl.prefix}<<-${tag}` }, note),
      ...lines.map((line): DiffLine => ({ depth: depth + 1, symbol, text: sanitize(line) })),
      { depth, symbol: ' ', text: tag + tail },
    ];
  }
  return [withNote({ depth, symbol, text: lbl.prefix + scalar(side) + tail }, note)];
}

function label(kind: Kind, key: string, width: number): Label {
  return kind === 'object'
    ? { prefix: `${formatKey(key).padEnd(width)} = `, element: false }
    : { prefix: '', element: true };
}

function child(side: Side, key: string): Side {
  const v = side.value;
  const has = (Array.isArray(v) || isPlainObject(v)) && Object.hasOwn(v, key);
  const sensitive = pick(side.sensitive, key);
  const unknown = pick(side.unknown, key);
  return {
    present: side.present && (has || sensitive === true || unknown === true),
    value: has ? (v as Record<string, unknown>)[key] : undefined,
    sensitive,
    unknown,
  };
}

function pick(mask: unknown, key: string): unknown {
  return typeof mask === 'object' && mask !== null
    ? ((mask as Record<string, unknown>)[key] ?? false)
    : false;
}

/** Keys of an object node: its values' keys plus those whose value was removed as sensitive or unknown. */
function objectKeys(...sides: Side[]): string[] {
  const keys = new Set<string>();
  for (const s of sides) {
    if (isPlainObject(s.value)) for (const k of Object.keys(s.value)) keys.add(k);
    addTrueKeys(keys, s.sensitive);
    addTrueKeys(keys, s.unknown);
  }
  return [...keys].sort();
}

function addTrueKeys(keys: Set<string>, mask: unknown): void {
  if (!isPlainObject(mask)) return;
  for (const k of Object.keys(mask)) if (mask[k] === true) keys.add(k);
}

function arrayKeys(...sides: Side[]): string[] {
  const n = Math.max(0, ...sides.map((s) => (Array.isArray(s.value) ? s.value.length : 0)));
  return Array.from({ length: n }, (_, i) => String(i));
}

/** Unchanged means: same values, same secrets in the same places, no secret rotated, nothing unknown. */
function same(ctx: Ctx, b: Side, a: Side, path: string[]): boolean {
  if (containsTrue(a.unknown)) return false;
  if (ctx.changedSensitive.some((p) => path.every((step, i) => p[i] === step))) return false;
  return deepEqual(b.value, a.value) && deepEqual(b.sensitive, a.sensitive);
}

function kindOf(side: Side): Kind | undefined {
  if (side.sensitive === true || side.unknown === true) return undefined;
  if (Array.isArray(side.value)) return 'array';
  return isPlainObject(side.value) ? 'object' : undefined;
}

function scalar(side: Side): string {
  if (side.sensitive === true) return '(sensitive value)';
  if (side.unknown === true) return '(known after apply)';
  return formatScalar(side.value);
}

function isMultiline(side: Side): boolean {
  return (
    typeof side.value === 'string' &&
    side.value.includes('\n') &&
    kindOf(side) === undefined &&
    side.sensitive !== true
  );
}

function open(kind: Kind): string {
  return kind === 'object' ? '{' : '[';
}

function close(kind: Kind): string {
  return kind === 'object' ? '}' : ']';
}

/** `EOT`, unless a line of the text is `EOT`, which would end the heredoc early for a reader. */
export function heredocTag(lines: readonly string[]): string {
  let tag = 'EOT';
  while (lines.some((l) => l.trim() === tag)) tag += '_';
  return tag;
}

function withNote(line: DiffLine, note: string | undefined): DiffLine {
  return note === undefined ? line : { ...line, note };
}

/** The note of a path whose change forces replacement; no key is built when nothing does (every create). */
function forcesReplacement(ctx: Ctx, path: readonly string[]): string | undefined {
  return ctx.replacePaths.size > 0 && ctx.replacePaths.has(pathKey(path)) ? FORCES_REPLACEMENT : undefined;
}

function pathKey(path: readonly string[]): string {
  return JSON.stringify(path);
}

function containsTrue(mask: unknown): boolean {
  if (mask === true) return true;
  return typeof mask === 'object' && mask !== null && Object.values(mask).some(containsTrue);
}

function deepEqual(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (Array.isArray(x) || Array.isArray(y)) {
    return (
      Array.isArray(x) && Array.isArray(y) && x.length === y.length && x.every((v, i) => deepEqual(v, y[i]))
    );
  }
  if (!isPlainObject(x) || !isPlainObject(y)) return false;
  const kx = Object.keys(x);
  return kx.length === Object.keys(y).length && kx.every((k) => Object.hasOwn(y, k) && deepEqual(x[k], y[k]));
}
