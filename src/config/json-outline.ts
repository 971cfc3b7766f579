/**
 * A one-pass outline of a JSON text that JSON.parse accepted: how many object members it has (to find
 * duplicate keys without a syntax tree: JSON.parse keeps only the last of them), and where the members of
 * the top two levels start (a section like `models`, and each resource in it), which is where almost every
 * message points. A full syntax tree of a 20,000-resource config costs more than parsing it; it is built
 * only when a message needs a deeper position (see config-file.ts).
 */

import { JSON_CHAR, stringEnd } from '../input/json-limits';

/** Offsets of one member: its key (the opening quote) and its value (first character). */
export interface MemberOffsets {
  key: number;
  value: number;
  /** Members of the value, when it is an object at the top two levels. */
  members?: Map<string, MemberOffsets>;
}

export interface JsonOutline {
  /** Object members in the whole text, duplicates included. */
  members: number;
  /** Members of the root object (when the root is an object), with the members of their object values. */
  root?: Map<string, MemberOffsets>;
}

const { QUOTE, COLON, COMMA, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET } = JSON_CHAR;

interface Container {
  object: boolean;
  /** Where this object's members are recorded (top two levels only). */
  members?: Map<string, MemberOffsets>;
  depth: number;
}

/** Outline of `text`, which must be valid JSON (call after JSON.parse succeeded). */
export function outlineJson(text: string): JsonOutline {
  let members = 0;
  let root: Map<string, MemberOffsets> | undefined;
  const stack: Container[] = [];
  let top: Container | undefined;
  let expectKey = false;
  let pendingKey: { name: string; offset: number } | undefined;
  let awaitingValue: MemberOffsets | undefined; // a recorded member whose value offset comes next
  const n = text.length;
  let i = 0;
  const valueStarts = (at: number): void => {
    if (awaitingValue !== undefined) {
      awaitingValue.value = at;
      awaitingValue = undefined;
    }
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i = stringEnd(text, start) + 1;
      if (expectKey) {
        expectKey = false;
        if (top?.members !== undefined) {
          const raw = text.slice(start, i);
          // Any escape (a newline, \u0041, a quote) needs JSON's decoding; a plain key is its own text.
          pendingKey = {
            name: raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1),
            offset: start,
          };
        }
      } else valueStarts(start);
      continue;
    }
    switch (c) {
      case COLON:
        members++;
        if (pendingKey !== undefined && top?.members !== undefined) {
          const entry: MemberOffsets = { key: pendingKey.offset, value: -1 };
          top.members.set(pendingKey.name, entry); // the last of a name wins, as in JSON.parse
          awaitingValue = entry;
          pendingKey = undefined;
        }
        break;
      case COMMA:
        if (top?.object) expectKey = true;
        break;
      case OPEN_BRACE: {
        const depth = (top?.depth ?? 0) + 1;
        let recorded: Map<string, MemberOffsets> | undefined;
        if (depth === 1) recorded = root = new Map();
        else if (depth === 2 && awaitingValue !== undefined) recorded = awaitingValue.members = new Map();
        valueStarts(i);
        top = { object: true, members: recorded, depth };
        stack.push(top);
        expectKey = true;
        break;
      }
      case OPEN_BRACKET:
        valueStarts(i);
        top = { object: false, depth: (top?.depth ?? 0) + 1 };
        stack.push(top);
        expectKey = false;
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        stack.pop();
        top = stack[stack.length - 1];
        expectKey = false;
        break;
      default:
        // Numbers, true/false/null start a value; whitespace does not.
        if (c > 32) valueStarts(i);
    }
    i++;
  }
  return { members, root };
}

/** The parsed side of the member count lives with the other JSON text checks. */
export { countMembers } from '../input/json-limits';
