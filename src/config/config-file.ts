/**
 * One config file as read: its text, parsed value and syntax tree, and how to turn a JSON path inside it
 * into the line and column an editor shows.
 */
import type { Node } from 'jsonc-parser';

export type Segment = string | number;

export interface ConfigFile {
  /** Absolute path. */
  path: string;
  /** Path shown to users: relative to the working directory when inside it. */
  displayPath: string;
  text: string;
  /** Parsed value; undefined when the file is not valid JSON. */
  value?: unknown;
  tree?: Node;
  /** Offsets at which each line starts. */
  lineStarts: number[];
}

export interface Position {
  line: number;
  column: number;
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') starts.push(i + 1);
  }
  return starts;
}

/** 1-based line and column of a character offset. */
export function positionAt(file: Pick<ConfigFile, 'lineStarts'>, offset: number): Position {
  const starts = file.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

/**
 * The node at `segments`, or the deepest node that exists on the way (a default filled in by normalisation
 * has no text of its own; its nearest written ancestor is the best place to point at). When `key` is set
 * and the path ends on an object property, the property's key node is returned instead of its value.
 */
export function nodeAt(tree: Node, segments: readonly Segment[], key = false): Node {
  let node = tree;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    let next: Node | undefined;
    if (node.type === 'object' && typeof seg === 'string') {
      const prop = propertyIndex(node).get(seg);
      if (prop?.children?.[1] === undefined) return prop?.children?.[0] ?? node;
      if (key && i === segments.length - 1) return prop.children[0];
      next = prop.children[1];
    } else if (node.type === 'array' && typeof seg === 'number') {
      next = node.children?.[seg];
    }
    if (next === undefined) return node;
    node = next;
  }
  return node;
}

/**
 * Property nodes of an object by key, built once per object node: locating every resource of a config of
 * 20,000 resources must not scan 20,000 siblings each time.
 */
const propertyIndexes = new WeakMap<Node, Map<unknown, Node>>();

function propertyIndex(object: Node): Map<unknown, Node> {
  let index = propertyIndexes.get(object);
  if (index === undefined) {
    index = new Map();
    // The last property of a name wins, as in JSON.parse; duplicates are reported separately.
    for (const p of object.children ?? []) index.set(p.children?.[0]?.value, p);
    propertyIndexes.set(object, index);
  }
  return index;
}

/** Line and column of the node at `segments` (see nodeAt), or of the file start when it has no tree. */
export function locate(file: ConfigFile, segments: readonly Segment[], key = false): Position {
  if (file.tree === undefined) return { line: 1, column: 1 };
  return positionAt(file, nodeAt(file.tree, segments, key).offset);
}
