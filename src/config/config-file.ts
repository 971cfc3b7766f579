/**
 * One config file as read: its text, parsed value and syntax tree, and how to turn a JSON path inside it
 * into the line and column an editor shows.
 */
import type { Node } from 'jsonc-parser';

/**
 * jsonc-parser loads only when a tree is needed (a problem to point at, or JSON.parse refused the file):
 * `validate` of a valid config never pays its start-up (issue 13: start as fast as Terraform).
 */
export const jsonc = (): typeof import('jsonc-parser') =>
  require('jsonc-parser') as typeof import('jsonc-parser');
import type { JsonOutline, MemberOffsets } from './json-outline';

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
  /** Where the top two levels' members start, when the file was outlined instead of tree-parsed. */
  outline?: JsonOutline;
}

/**
 * A ConfigFile whose line table and syntax tree are built on first use: a file that JSON.parse accepted
 * and that has no problem to point at never pays for them (the tree of a 20,000-resource config costs
 * more than parsing it). A file that failed to parse has no tree.
 */
export class LazyConfigFile implements ConfigFile {
  value?: unknown;
  outline?: JsonOutline;
  private builtTree: Node | undefined;
  private treeBuilt = false;
  private starts: number[] | undefined;

  constructor(
    readonly path: string,
    readonly displayPath: string,
    readonly text: string,
  ) {}

  get lineStarts(): number[] {
    this.starts ??= lineStartsOf(this.text);
    return this.starts;
  }

  get tree(): Node | undefined {
    if (!this.treeBuilt && this.value !== undefined) {
      this.treeBuilt = true;
      this.builtTree = jsonc().parseTree(this.text, [], {
        disallowComments: true,
        allowTrailingComma: false,
      });
    }
    return this.builtTree;
  }

  set tree(tree: Node | undefined) {
    this.builtTree = tree;
    this.treeBuilt = true;
  }
}

export interface Position {
  line: number;
  column: number;
}

export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
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
  const member = file.outline === undefined ? undefined : outlineMember(file.outline, segments);
  if (member !== undefined)
    return key
      ? { line: member.keyLine, column: member.keyColumn }
      : { line: member.valueLine, column: member.valueColumn };
  const tree = file.tree;
  if (tree === undefined) return { line: 1, column: 1 };
  return positionAt(file, nodeAt(tree, segments, key).offset);
}

/** The outlined member nodeAt would find: for a path of the top two levels that exists. */
function outlineMember(outline: JsonOutline, segments: readonly Segment[]): MemberOffsets | undefined {
  if (segments.length === 0 || segments.length > 2 || outline.root === undefined) return undefined;
  let members: Map<string, MemberOffsets> | undefined = outline.root;
  let member: MemberOffsets | undefined;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (typeof seg !== 'string' || members === undefined) return undefined;
    member = members.get(seg);
    if (member === undefined || member.value < 0) return undefined;
    members = member.members;
  }
  return member;
}
