/**
 * Keeps a Markdown document under a length limit (GitHub rejects comments over 65,536 characters) by
 * dropping blocks from the MIDDLE of long lists: the first and last resources stay visible, and a note
 * says how many were left out. Everything outside the lists is kept whole; the caller retries with a
 * terser document when even that does not fit.
 */

/** Blocks joined by blank lines, any of which may be dropped with a note in their place. */
export interface BlockList {
  blocks: string[];
  /** The note that replaces `omitted` of `total` blocks. */
  note: (omitted: number, total: number) => string;
}

export type Segment = string | BlockList;

const SEP = '\n\n';

/** Joins the segments with blank lines, within `maxLength`, or returns undefined when it cannot. */
export function fitSegments(segments: readonly Segment[], maxLength: number): string | undefined {
  const parts = segments.filter((s) => typeof s === 'string' || s.blocks.length > 0);
  const lists = parts.filter((p): p is BlockList => typeof p !== 'string');
  const fixed =
    parts.reduce((n, p) => n + (typeof p === 'string' ? p.length : 0), 0) +
    SEP.length * Math.max(0, parts.length - 1);
  const budget = maxLength - fixed;
  if (budget < 0) return undefined;

  const full = lists.map((l) => joinedLength(l.blocks));
  const alloc = waterfill(full, budget);
  const rendered = new Map<BlockList, string>();
  for (const [i, list] of lists.entries()) {
    const text = alloc[i] >= full[i] ? list.blocks.join(SEP) : truncateMiddle(list, alloc[i]);
    if (text === undefined) return undefined;
    rendered.set(list, text);
  }
  const out = parts.map((p) => (typeof p === 'string' ? p : rendered.get(p))).join(SEP);
  return out.length <= maxLength ? out : undefined;
}

/** Shares `budget` fairly: small lists get all they need, large ones split what is left evenly. */
function waterfill(full: readonly number[], budget: number): number[] {
  const alloc = new Array<number>(full.length).fill(0);
  const order = full.map((_, i) => i).sort((a, b) => full[a] - full[b]);
  let remaining = budget;
  for (const [k, i] of order.entries()) {
    alloc[i] = Math.min(full[i], Math.floor(remaining / (order.length - k)));
    remaining -= alloc[i];
  }
  return alloc;
}

/** Keeps blocks from both ends, alternately, while they fit; the note goes where the rest were. */
function truncateMiddle(list: BlockList, budget: number): string | undefined {
  const { blocks } = list;
  // The note's length depends on the count: reserve for the longest it can be.
  const reserve = list.note(blocks.length, blocks.length).length;
  if (reserve > budget) return undefined;
  let room = budget - reserve;
  const head: string[] = [];
  const tail: string[] = [];
  let i = 0;
  let j = blocks.length - 1;
  let fromHead = true;
  let blocked = 0; // consecutive sides that could not take their next block
  while (i <= j && blocked < 2) {
    const next = fromHead ? blocks[i] : blocks[j];
    const cost = next.length + SEP.length;
    if (cost <= room) {
      room -= cost;
      if (fromHead) head.push(blocks[i++]);
      else tail.unshift(blocks[j--]);
      blocked = 0;
    } else blocked++;
    fromHead = !fromHead;
  }
  const omitted = blocks.length - head.length - tail.length;
  if (omitted === 0) return blocks.join(SEP);
  return [...head, list.note(omitted, blocks.length), ...tail].join(SEP);
}

function joinedLength(blocks: readonly string[]): number {
  return blocks.reduce((n, b) => n + b.length, 0) + SEP.length * Math.max(0, blocks.length - 1);
}
