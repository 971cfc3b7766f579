/**
 * A fast parser for the subset of YAML that dbt projects are written in: block mappings and sequences,
 * plain and quoted one-line scalars, one-line flow collections, and `|` / `>` block scalars, with comments.
 * It exists for speed (the `yaml` package parses a 3,000-model project's properties files ~10x slower than
 * reading them): anything outside the subset — anchors, tags, multi-line plain or quoted scalars, document
 * markers, tabs, merge keys, numbers in unusual notations, and every syntax error — returns `undefined`,
 * and the caller parses the text with the `yaml` package instead, which then decides (and reports errors
 * with their line). A differential test checks both agree on everything this parser accepts.
 *
 * Scalars resolve as PyYAML (YAML 1.1, what dbt uses) does: `yes`/`no`/`on`/`off` are booleans.
 */

/** Line numbers (1-based) of each key of a mapping, or each item of a sequence. */
export type LineTable = WeakMap<object, Map<string | number, number>>;

export interface FastYamlResult {
  value: unknown;
  lines: LineTable;
}

class Bail extends Error {}
const BAIL = new Bail();
function bail(): never {
  throw BAIL;
}

const BOOL_TRUE = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const BOOL_FALSE = new Set(['no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const SIMPLE_INT = /^[-+]?(?:0|[1-9][0-9]*)$/;
const SIMPLE_FLOAT = /^[-+]?(?:0|[1-9][0-9]*)\.[0-9]+$/;
/** Plain scalars starting like a number (or `.inf`) in a notation the fast path does not resolve itself. */
const NUMBERISH = /^[-+]?[0-9.]/;

/** Resolves a plain scalar as PyYAML does, or bails when the notation is unusual. */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Most scalars are names and prose: longer than any null or boolean, not starting like a number.
  if (s.length > 5 && !((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 60 || c === 61))
    return s;
  if (NULLS.has(s)) return null;
  if (BOOL_TRUE.has(s)) return true;
  if (BOOL_FALSE.has(s)) return false;
  if (SIMPLE_INT.test(s)) {
    const n = Number(s);
    if (!Number.isSafeInteger(n)) bail();
    return n;
  }
  if (SIMPLE_FLOAT.test(s)) return Number(s);
  if (NUMBERISH.test(s)) bail();
  if (s === '<<' || s === '=') bail();
  return s;
}

function indentOf(s: string): number {
  let k = 0;
  while (s.charCodeAt(k) === 32) k++;
  return k;
}

function isSeqEntry(s: string, at: number): boolean {
  return s.charCodeAt(at) === 45 /* - */ && (at + 1 === s.length || s.charCodeAt(at + 1) === 32);
}

/** Characters that may not start a plain scalar in block context (flow starts are handled apart). */
const BAD_PLAIN_START = new Set(['&', '*', '!', '%', '@', '`', ',', ']', '}', '#', '|', '>']);

/** What may follow a value on its line: nothing, or whitespace and a comment. */
function restIsBlank(s: string, from: number): boolean {
  let k = from;
  while (s.charCodeAt(k) === 32) k++;
  if (k === s.length) return true;
  return s.charCodeAt(k) === 35 && (k === from ? from === 0 || s.charCodeAt(from - 1) === 32 : true);
}

interface Scanned {
  value: unknown;
  end: number;
}

function parseSingleQuoted(s: string, start: number): Scanned {
  let out = '';
  let k = start + 1;
  for (;;) {
    const q = s.indexOf("'", k);
    if (q < 0) bail(); // multi-line: leave to the full parser
    out += s.slice(k, q);
    if (s.charCodeAt(q + 1) === 39) {
      out += "'";
      k = q + 2;
      continue;
    }
    return { value: out, end: q + 1 };
  }
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
};

function parseDoubleQuoted(s: string, start: number): Scanned {
  let out = '';
  let k = start + 1;
  for (;;) {
    if (k >= s.length) bail();
    const c = s[k];
    if (c === '"') return { value: out, end: k + 1 };
    if (c === '\\') {
      const e = s[k + 1];
      if (e === undefined) bail();
      if (e in SIMPLE_ESCAPES) {
        out += SIMPLE_ESCAPES[e];
        k += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(k + 2, k + 6))) {
        out += String.fromCharCode(parseInt(s.slice(k + 2, k + 6), 16));
        k += 6;
      } else bail();
      continue;
    }
    out += c;
    k++;
  }
}

function parseQuoted(s: string, start: number): Scanned {
  return s.charCodeAt(start) === 39 ? parseSingleQuoted(s, start) : parseDoubleQuoted(s, start);
}

/** End (exclusive) of a plain mapping key starting at `k`: the `:` followed by a space or the line end. */
function plainKeyEnd(s: string, k: number): number {
  for (let j = k; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 58 /* : */ && (j + 1 === s.length || s.charCodeAt(j + 1) === 32)) return j;
    if (c === 35 /* # */ && j > k && s.charCodeAt(j - 1) === 32) return -1;
  }
  return -1;
}

function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') bail();
  obj[key] = value;
}

/** PyYAML's anchor names: letters, digits, `-` and `_`. */
const ANCHOR_NAME = /^[0-9A-Za-z_-]+/;

class FastParser {
  private i = 0;
  readonly lines: LineTable = new WeakMap();
  private readonly anchors = new Map<string, unknown>();
  /** Indentation of each line, or -1 for a blank or comment-only line. */
  private readonly ind: Int32Array;
  constructor(private readonly src: string[]) {
    this.ind = new Int32Array(src.length);
    for (let k = 0; k < src.length; k++) {
      const line = src[k];
      const n = indentOf(line);
      this.ind[k] = n === line.length || line.charCodeAt(n) === 35 ? -1 : n;
    }
  }

  private skip(): void {
    while (this.i < this.src.length && this.ind[this.i] < 0) this.i++;
  }

  parseDocument(): unknown {
    this.skip();
    if (this.i >= this.src.length) return null;
    const n = this.ind[this.i];
    const value = this.parseBlockNode(n);
    this.skip();
    if (this.i < this.src.length) bail();
    return value;
  }

  /** A block collection whose first line is line `i`, indented `n`. */
  private parseBlockNode(n: number): unknown {
    const line = this.src[this.i];
    if (isSeqEntry(line, n)) return this.parseSeq(n);
    if (this.looksLikeKey(line, n)) return this.parseMap(n, n);
    return bail();
  }

  private looksLikeKey(s: string, k: number): boolean {
    const c = s[k];
    if (c === '"' || c === "'") {
      const q = parseQuoted(s, k);
      let j = q.end;
      while (s.charCodeAt(j) === 32) j++;
      return s.charCodeAt(j) === 58 && (j + 1 === s.length || s.charCodeAt(j + 1) === 32);
    }
    if (c === '[' || c === '{' || c === '?' || BAD_PLAIN_START.has(c)) return false;
    return plainKeyEnd(s, k) >= 0;
  }

  /**
   * A block mapping at indentation `n`. Its first key starts at column `firstCol` of line `i` (which equals
   * `n`, except for a mapping written on the line of its sequence entry: `- name: x`).
   */
  private parseMap(n: number, firstCol: number): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    const lines = new Map<string | number, number>();
    this.lines.set(obj, lines);
    let col = firstCol;
    for (;;) {
      const line = this.src[this.i];
      this.parsePair(obj, lines, line, col, n);
      this.skip();
      if (this.i >= this.src.length) return obj;
      const next = this.src[this.i];
      const ind = this.ind[this.i];
      if (ind < n) return obj;
      if (ind > n || isSeqEntry(next, n)) bail();
      col = n;
    }
  }

  private parsePair(
    obj: Record<string, unknown>,
    lines: Map<string | number, number>,
    line: string,
    k: number,
    n: number,
  ): void {
    let key: string;
    let j: number;
    const c = line[k];
    if (c === '"' || c === "'") {
      const q = parseQuoted(line, k);
      key = q.value as string;
      j = q.end;
      while (line.charCodeAt(j) === 32) j++;
      if (line.charCodeAt(j) !== 58) bail();
      j++;
    } else {
      if (c === '[' || c === '{' || c === '?' || c === '-' || BAD_PLAIN_START.has(c)) bail();
      const end = plainKeyEnd(line, k);
      if (end < 0) bail();
      key = line.slice(k, end).trimEnd();
      if (typeof resolvePlain(key) !== 'string' || key.includes(': ')) bail();
      j = end + 1;
    }
    if (j < line.length && line.charCodeAt(j) !== 32) bail();
    lines.set(key, this.i + 1);
    setKey(obj, key, this.parseValue(line, j, n, true));
  }

  /**
   * The value that starts at column `j` of line `i` (after `key:` or `- `), for a node whose parent is
   * indented `n`. Advances `i` past the value's last line.
   */
  private parseValue(line: string, j: number, n: number, inMapping: boolean): unknown {
    let k = j;
    while (line.charCodeAt(k) === 32) k++;
    const c0 = line.charCodeAt(k);
    if (c0 === 38 /* & */ || c0 === 42 /* * */) return this.parseAnchored(line, k, n, inMapping);
    if (k === line.length || line.charCodeAt(k) === 35) {
      this.i++;
      this.skip();
      if (this.i >= this.src.length) return null;
      const next = this.src[this.i];
      const ind = this.ind[this.i];
      if (ind > n) return this.parseBlockNode(ind);
      if (inMapping && ind === n && isSeqEntry(next, n)) return this.parseSeq(n);
      return null;
    }
    const c = line[k];
    if (c === '|' || c === '>') return this.parseBlockScalar(line.slice(k), n);
    let scanned: Scanned;
    if (c === '[' || c === '{') scanned = this.parseFlow(line, k, 0);
    else if (c === '"' || c === "'") scanned = parseQuoted(line, k);
    else {
      if (BAD_PLAIN_START.has(c)) bail();
      if ((c === '-' || c === '?' || c === ':') && (k + 1 === line.length || line.charCodeAt(k + 1) === 32))
        bail();
      let end = line.length;
      const hash = line.indexOf(' #', k);
      if (hash >= 0) end = hash;
      const text = line.slice(k, end).trimEnd();
      if (text.includes(': ') || text.endsWith(':')) bail();
      scanned = { value: resolvePlain(text), end };
    }
    if (!restIsBlank(line, scanned.end)) bail();
    this.i++;
    return scanned.value;
  }

  /**
   * `&name <value>` (the value on this line or the block below) and `*name`, as PyYAML composes them: an
   * alias is the anchored node itself (shared, not copied), a duplicate anchor or an unknown alias is left
   * to the full parser (PyYAML rejects both), and so is any other use (merge keys `<<` bail elsewhere).
   * Properties files write descriptions once and reuse them this way (`description: *shared_desc`).
   */
  private parseAnchored(line: string, k: number, n: number, inMapping: boolean): unknown {
    const m = ANCHOR_NAME.exec(line.slice(k + 1));
    if (!m) return bail();
    const name = m[0];
    const after = k + 1 + name.length;
    if (after < line.length && line.charCodeAt(after) !== 32) return bail();
    if (line.charCodeAt(k) === 42 /* * */) {
      if (!this.anchors.has(name) || !restIsBlank(line, after)) return bail();
      this.i++;
      return this.anchors.get(name);
    }
    if (this.anchors.has(name)) return bail();
    const value = this.parseValue(line, after, n, inMapping);
    this.anchors.set(name, value);
    return value;
  }

  private parseSeq(n: number): unknown[] {
    const arr: unknown[] = [];
    const lines = new Map<string | number, number>();
    this.lines.set(arr, lines);
    for (;;) {
      this.skip();
      if (this.i >= this.src.length) return arr;
      const line = this.src[this.i];
      const ind = this.ind[this.i];
      if (ind < n) return arr;
      if (ind > n) bail();
      if (!isSeqEntry(line, n)) return arr;
      let k = n + 1;
      while (line.charCodeAt(k) === 32) k++;
      lines.set(arr.length, this.itemLine(line, k, n));
      if (k < line.length && line.charCodeAt(k) !== 35 && isSeqEntry(line, k)) bail(); // `- - a`
      if (k < line.length && line.charCodeAt(k) !== 35 && this.looksLikeKey(line, k)) {
        arr.push(this.parseMap(k, k));
        continue;
      }
      arr.push(this.parseValue(line, n + 1, n, false));
    }
  }

  /** The line of a sequence item: the line of `-`, or of its value when that starts on a later line. */
  private itemLine(line: string, k: number, n: number): number {
    if (k < line.length && line.charCodeAt(k) !== 35) return this.i + 1;
    let j = this.i + 1;
    while (j < this.src.length && this.ind[j] < 0) j++;
    return j < this.src.length && this.ind[j] > n ? j + 1 : this.i + 1;
  }

  private parseBlockScalar(header: string, n: number): string {
    const m = /^([|>])([-+]?)( +#.*)?\s*$/.exec(header);
    if (!m) bail();
    const folded = m[1] === '>';
    const chomp = m[2];
    const src = this.src;
    let j = this.i + 1;
    let contentIndent = -1;
    const body: string[] = [];
    for (; j < src.length; j++) {
      const s = src[j];
      const ind = indentOf(s);
      if (ind === s.length) {
        if (contentIndent >= 0 ? ind > contentIndent : ind > n + 1) bail();
        body.push('');
        continue;
      }
      if (contentIndent < 0) {
        if (ind <= n) break;
        contentIndent = ind;
      }
      if (ind < contentIndent) break;
      const text = s.slice(contentIndent);
      if (folded && text.charCodeAt(0) === 32) bail(); // more-indented lines fold differently
      body.push(text);
    }
    if (contentIndent < 0) {
      if (chomp === '+') bail();
      this.i = j;
      return '';
    }
    let trailing = 0;
    while (body.length > 0 && body[body.length - 1] === '') {
      body.pop();
      trailing++;
    }
    let text: string;
    if (!folded) text = body.join('\n');
    else {
      text = '';
      let breaks = 0;
      let first = true;
      for (const l of body) {
        if (l === '') {
          breaks++;
          continue;
        }
        text += first ? '\n'.repeat(breaks) : breaks > 0 ? '\n'.repeat(breaks) : ' ';
        text += l;
        first = false;
        breaks = 0;
      }
    }
    this.i = j;
    if (chomp === '-') return text;
    if (chomp === '+') return text + '\n' + '\n'.repeat(trailing);
    return text + '\n';
  }

  /** A flow collection written on one line, from `[` or `{` at column `k`. */
  private parseFlow(s: string, k: number, depth: number): Scanned {
    if (depth > 20) bail();
    const line = this.i + 1;
    const skipSpaces = (p: number) => {
      while (s.charCodeAt(p) === 32) p++;
      return p;
    };
    const scalarEnd = (p: number, inMap: boolean) => {
      let q = p;
      for (; q < s.length; q++) {
        const c = s[q];
        if (c === ',' || c === ']' || c === '}' || c === '[' || c === '{') break;
        if (c === ':' && (q + 1 === s.length || s[q + 1] === ' ' || s[q + 1] === ',' || s[q + 1] === '}')) {
          if (!inMap) bail();
          break;
        }
        if (c === '#' && s[q - 1] === ' ') bail();
      }
      return q;
    };
    const node = (p: number, inMap: boolean): Scanned => {
      p = skipSpaces(p);
      const c = s[p];
      if (c === '[' || c === '{') return this.parseFlow(s, p, depth + 1);
      if (c === '"' || c === "'") return parseQuoted(s, p);
      if (c === undefined || BAD_PLAIN_START.has(c) || c === '?' || (c === '-' && s[p + 1] === ' ')) bail();
      const q = scalarEnd(p, inMap);
      const text = s.slice(p, q).trimEnd();
      if (text === '') bail();
      return { value: resolvePlain(text), end: q };
    };
    if (s[k] === '[') {
      const arr: unknown[] = [];
      const lines = new Map<string | number, number>();
      this.lines.set(arr, lines);
      let p = skipSpaces(k + 1);
      if (s[p] === ']') return { value: arr, end: p + 1 };
      for (;;) {
        const item = node(p, false);
        lines.set(arr.length, line);
        arr.push(item.value);
        p = skipSpaces(item.end);
        if (s[p] === ',') {
          p = skipSpaces(p + 1);
          if (s[p] === ']') return { value: arr, end: p + 1 };
          continue;
        }
        if (s[p] === ']') return { value: arr, end: p + 1 };
        return bail();
      }
    }
    const obj: Record<string, unknown> = {};
    const lines = new Map<string | number, number>();
    this.lines.set(obj, lines);
    let p = skipSpaces(k + 1);
    if (s[p] === '}') return { value: obj, end: p + 1 };
    for (;;) {
      const keyNode = node(p, true);
      if (typeof keyNode.value !== 'string') bail();
      p = skipSpaces(keyNode.end);
      if (s[p] !== ':') bail();
      const value = node(p + 1, true);
      lines.set(keyNode.value, line);
      setKey(obj, keyNode.value, value.value);
      p = skipSpaces(value.end);
      if (s[p] === ',') {
        p = skipSpaces(p + 1);
        if (s[p] === '}') return { value: obj, end: p + 1 };
        continue;
      }
      if (s[p] === '}') return { value: obj, end: p + 1 };
      return bail();
    }
  }
}

/** Parses `text`, or returns `undefined` when it is outside the subset (or not valid YAML). */
export function parseYamlFast(text: string): FastYamlResult | undefined {
  if (text.includes('\t') || text.charCodeAt(0) === 0xfeff) return undefined;
  const src = text.split('\n');
  for (let k = 0; k < src.length; k++) {
    let s = src[k];
    if (s.endsWith('\r')) s = src[k] = s.slice(0, -1);
    const c = s.charCodeAt(0);
    // document markers and directives: `---`, `...`, `%YAML`
    if ((c === 45 || c === 46) && (s.startsWith('---') || s.startsWith('...'))) return undefined;
    if (c === 37) return undefined;
  }
  const parser = new FastParser(src);
  try {
    return { value: parser.parseDocument(), lines: parser.lines };
  } catch (err) {
    if (err instanceof Bail) return undefined;
    throw err;
  }
}
