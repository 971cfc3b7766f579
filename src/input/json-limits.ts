/**
 * Checks on a JSON text that JSON.parse does not make: how deep it nests (checked before parsing, since
 * every recursive walk after it — validation, canonical JSON, copies — would overflow the stack on a million
 * nested brackets) and whether an object repeats a key (JSON.parse silently keeps the last one, so two
 * readers of the same file could see two different values) or has a `__proto__` key (which plain objects
 * built from it would turn into a prototype). Both are single linear scans without recursion.
 */
import { jsonPath } from '../diagnostics';

export interface JsonTextProblem {
  /** Character offset in the text. */
  offset: number;
  /** 1-based line and column of `offset`. */
  line: number;
  column: number;
  /** JSON path of the place (`$.resources["model.a"]`). */
  path: string;
  /** What is wrong, e.g. `it nests deeper than 64 levels`, `the key "a" appears twice in one object`. */
  message: string;
}

/** Character codes of JSON's structural characters, for the one-pass scanners here and in config/. */
export const JSON_CHAR = {
  QUOTE: 34,
  BACKSLASH: 92,
  COMMA: 44,
  COLON: 58,
  OPEN_BRACE: 123,
  CLOSE_BRACE: 125,
  OPEN_BRACKET: 91,
  CLOSE_BRACKET: 93,
} as const;
const { QUOTE, BACKSLASH, COMMA, COLON, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } = JSON_CHAR;
const SPACE = 32;

/**
 * Where `text` first opens more than `maxDepth` nested objects or arrays; undefined when it does not. Safe on
 * any text (valid JSON or not): it only skips strings and counts brackets.
 */
export function nestingProblem(text: string, maxDepth: number): JsonTextProblem | undefined {
  return jsonTextShape(text, maxDepth).problem;
}

/** What one scan of a JSON text learns: its nesting problem, and how many object members it holds. */
export interface JsonTextShape {
  /** Set when the text nests deeper than allowed (the scan stops there, and `members` is partial). */
  problem?: JsonTextProblem;
  /** `key: value` members of every object, duplicates included (the colons outside strings). */
  members: number;
}

/**
 * nestingProblem and the member count in one pass. With the member count of the parsed value
 * (`countMembers`), `repeatedKeyProblem` needs no key-by-key scan when nothing repeats: JSON.parse keeps one
 * member per distinct key, so equal counts mean no key repeats.
 */
export function jsonTextShape(text: string, maxDepth: number): JsonTextShape {
  let depth = 0;
  let members = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === COLON) members++;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        // The path of the place needs the keys on the way: a second scan, up to here only.
        const problem = problemAt(text, i, pathTo(text, i), `it nests deeper than ${maxDepth} levels`);
        return { problem, members };
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return { members };
}

/**
 * jsonTextShape's member count read off the text's UTF-8 bytes (a file as read), or -1 when the text nests
 * deeper than `maxDepth` (jsonTextShape of the decoded text then says where). Every character the scan
 * looks at (quote, backslash, colon, brackets) is ASCII, and no byte of a multi-byte UTF-8 sequence is one
 * (nor does decoding ever fold an ASCII byte into a replacement character): the bytes give the text's count.
 * A loop over a typed array runs about twice as fast as charCodeAt over the decoded string.
 */
export function jsonBytesMembers(bytes: Uint8Array, maxDepth: number): number {
  let depth = 0;
  let members = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === SPACE) continue; // most of an indented file: one test, not six
    if (c === QUOTE) {
      // To the closing quote; a backslash escapes the byte after it (as stringEnd counts them).
      for (i++; i < n; i++) {
        const d = bytes[i];
        if (d === QUOTE) break;
        if (d === BACKSLASH) i++;
      }
    } else if (c === COLON) members++;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return -1;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return members;
}

/**
 * Object members of a parsed JSON value (JSON.parse keeps one per distinct key of an object), or -1 when
 * a key is `__proto__` or the count cannot be trusted (Object.prototype has enumerable keys, which the
 * walk would count): callers then take their thorough key-by-key path. Recursive: call only on a value
 * whose text passed nestingProblem.
 */
export function countMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  for (const _ in Object.prototype) return -1;
  return membersOf(value);
}

/**
 * Plain loops, keys by for-in (no key list per object, which Object.keys would build), and no call for a
 * scalar: this walks every member of a 20,000-resource state. Values of JSON.parse are plain objects whose
 * prototype, checked by countMembers, has no enumerable key: for-in sees exactly their own keys.
 */
function membersOf(value: object): number {
  let count = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v !== 'object' || v === null) continue;
      const c = membersOf(v);
      if (c < 0) return -1;
      count += c;
    }
    return count;
  }
  for (const key in value) {
    if (key === '__proto__') return -1;
    count++;
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== 'object' || v === null) continue;
    const c = membersOf(v);
    if (c < 0) return -1;
    count += c;
  }
  return count;
}

/**
 * The first object key that repeats an earlier key of the same object, or that is `__proto__`; undefined
 * when there is none. `text` must be JSON that JSON.parse accepted (and not too deep: see nestingProblem).
 * `parsed` (JSON.parse's value of `text` and the text's member count from jsonTextShape) skips the
 * key-by-key scan when the counts show that no key repeats; the scan still finds and names the place when
 * one does.
 */
export function repeatedKeyProblem(
  text: string,
  parsed?: { value: unknown; members: number },
): JsonTextProblem | undefined {
  if (parsed !== undefined && countMembers(parsed.value) === parsed.members) return undefined;
  let found: JsonTextProblem | undefined;
  scan(text, text.length, (frames, key, offset) => {
    const top = frames[frames.length - 1];
    if (key === '__proto__') {
      found = problemAt(text, offset, pathOf(frames), 'it has a "__proto__" key');
      return true;
    }
    if (top.keys!.has(key)) {
      found = problemAt(
        text,
        offset,
        pathOf(frames),
        `the key ${JSON.stringify(key)} appears twice in one object`,
      );
      return true;
    }
    top.keys!.add(key);
    return false;
  });
  return found;
}

/** `it nests deeper than 96 levels (line 3, column 7, at $.resources["model.a"])`. */
export function describeProblem(p: JsonTextProblem): string {
  return `${p.message} (line ${p.line}, column ${p.column}, at ${p.path})`;
}

interface Frame {
  object: boolean;
  /** Keys seen so far (objects only). */
  keys?: Set<string>;
  /** Current member name, or element index. */
  at: string | number;
  expectKey: boolean;
}

/** Walks containers and keys up to `end`; `onKey` returning true stops the walk. Returns the open frames. */
function scan(
  text: string,
  end: number,
  onKey?: (frames: Frame[], key: string, offset: number) => boolean,
): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = stringEnd(text, i);
      const top = frames[frames.length - 1];
      if (top !== undefined && top.object && top.expectKey) {
        const raw = text.slice(i, close + 1);
        let key: string;
        try {
          key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        } catch {
          key = raw.slice(1, -1); // only on text that is not JSON (nestingProblem's path): close enough
        }
        top.at = key;
        top.expectKey = false;
        if (onKey !== undefined && onKey(frames, key, i)) return frames;
      }
      i = close;
    } else if (c === OPEN_BRACE) {
      frames.push({ object: true, keys: onKey ? new Set() : undefined, at: '', expectKey: true });
    } else if (c === OPEN_BRACKET) {
      frames.push({ object: false, at: 0, expectKey: false });
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      frames.pop();
    } else if (c === COMMA) {
      const top = frames[frames.length - 1];
      if (top === undefined) continue;
      if (top.object) top.expectKey = true;
      else top.at = (top.at as number) + 1;
    }
  }
  return frames;
}

/** Index of the quote closing the string opened at `open` (the text's end when it is unterminated). */
export function stringEnd(text: string, open: number): number {
  let i = open;
  for (;;) {
    const q = text.indexOf('"', i + 1);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let j = q - 1; j > open && text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q;
  }
}

function pathTo(text: string, offset: number): string {
  const frames = scan(text, offset);
  // Only the first levels: a path 64 keys long says less than the line and column.
  return pathOf(frames.slice(0, 8)) + (frames.length > 8 ? '…' : '');
}

function pathOf(frames: readonly Frame[]): string {
  return jsonPath(frames.map((f) => f.at).filter((s) => s !== ''));
}

function problemAt(text: string, offset: number, path: string, message: string): JsonTextProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { offset, line, column: offset - lineStart + 1, path, message };
}
