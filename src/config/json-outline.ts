/**
 * A one-pass outline of a JSON text that JSON.parse accepted: how many object members it has (to find
 * duplicate keys without a syntax tree: JSON.parse keeps only the last of them), and where the members of
 * the top two levels start (a section like `models`, and each resource in it), which is where almost every
 * message points. A full syntax tree of a 20,000-resource config costs more than parsing it; it is built
 * only when a message needs a deeper position (see config-file.ts).
 */

import { JSON_CHAR, stringEnd } from '../input/json-limits';

/**
 * Offsets of one member: its key (the opening quote) and its value (first character), with their 1-based
 * lines and columns (what positionAt would say; nearly every message and every resource's origin needs
 * one, and the scan passes every line break anyway).
 */
export interface MemberOffsets {
  key: number;
  value: number;
  keyLine: number;
  keyColumn: number;
  valueLine: number;
  valueColumn: number;
  /** Members of the value, when it is an object at the top two levels. */
  members?: Map<string, MemberOffsets>;
}

export interface JsonOutline {
  /** Object members in the whole text, duplicates included. */
  members: number;
  /**
   * Set when the text opens more than `maxDepth` nested objects and arrays (counted as nestingProblem
   * counts them): the scan stops there, and the rest of the outline is partial.
   */
  tooDeep?: boolean;
  /** Members of the root object (when the root is an object), with the members of their object values. */
  root?: Map<string, MemberOffsets>;
}

const { QUOTE, COLON, COMMA, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } = JSON_CHAR;
const NEWLINE = 10;
const SPACE = 32;

interface Container {
  object: boolean;
  /** Where this object's members are recorded (top two levels only). */
  members: Map<string, MemberOffsets> | undefined;
  depth: number;
}

/**
 * Outline of `text`, which must be valid JSON (call after JSON.parse succeeded). One loop with no call per
 * character: it reads every character of a config of 20,000 resources, and runs before V8 has optimised
 * anything.
 */
export function outlineJson(text: string, maxDepth = Infinity): JsonOutline {
  let members = 0;
  let depth = 0; // as nestingProblem counts: every open bracket up, every close down
  let line = 1;
  let lineStart = 0; // offset where `line` starts (JSON strings hold no raw line break)
  let root: Map<string, MemberOffsets> | undefined;
  const stack: Container[] = [];
  let top: Container | undefined;
  let expectKey = false;
  // The key just read at the top two levels, and where: plain variables, not an object per key.
  let pendingKey: string | undefined;
  let pendingOffset = 0;
  let pendingLine = 0;
  let pendingLineStart = 0;
  let awaitingValue: MemberOffsets | undefined; // a recorded member whose value offset comes next
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c <= SPACE) {
      // Whitespace: most of a pretty-printed file.
      if (c === NEWLINE) {
        line++;
        lineStart = i + 1;
      }
      i++;
      continue;
    }
    if (c === QUOTE) {
      const start = i;
      i = stringEnd(text, start) + 1;
      if (expectKey) {
        expectKey = false;
        if (top !== undefined && top.members !== undefined) {
          const inner = text.slice(start + 1, i - 1);
          // Any escape (a newline, \u0041, a quote) needs JSON's decoding; a plain key is its own text.
          pendingKey = inner.includes('\\') ? (JSON.parse(text.slice(start, i)) as string) : inner;
          pendingOffset = start;
          pendingLine = line;
          pendingLineStart = lineStart;
        }
      } else if (awaitingValue !== undefined) {
        awaitingValue.value = start;
        awaitingValue.valueLine = line;
        awaitingValue.valueColumn = start - lineStart + 1;
        awaitingValue = undefined;
      }
      continue;
    }
    if (c === COLON) {
      members++;
      if (pendingKey !== undefined && top !== undefined && top.members !== undefined) {
        const entry: MemberOffsets = {
          key: pendingOffset,
          value: -1,
          keyLine: pendingLine,
          keyColumn: pendingOffset - pendingLineStart + 1,
          valueLine: 0,
          valueColumn: 0,
          members: undefined,
        };
        top.members.set(pendingKey, entry); // the last of a name wins, as in JSON.parse
        awaitingValue = entry;
        pendingKey = undefined;
      }
    } else if (c === COMMA) {
      if (top !== undefined && top.object) expectKey = true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      stack.pop();
      top = stack.length > 0 ? stack[stack.length - 1] : undefined;
      expectKey = false;
    } else {
      // A value starts here: an object, an array, a number, true, false or null.
      const entry = awaitingValue;
      if (entry !== undefined) {
        entry.value = i;
        entry.valueLine = line;
        entry.valueColumn = i - lineStart + 1;
        awaitingValue = undefined;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (++depth > maxDepth) return { members, root, tooDeep: true };
        const level = (top === undefined ? 0 : top.depth) + 1;
        let recorded: Map<string, MemberOffsets> | undefined;
        if (c === OPEN_BRACE) {
          if (level === 1) recorded = root = new Map();
          else if (level === 2 && entry !== undefined) recorded = entry.members = new Map();
        }
        top = { object: c === OPEN_BRACE, members: recorded, depth: level };
        stack.push(top);
        expectKey = c === OPEN_BRACE;
      }
    }
    i++;
  }
  return { members, root };
}

/** The parsed side of the member count lives with the other JSON text checks. */
export { countMembers } from '../input/json-limits';
