/**
 * Line diff of two multi-line strings (a model's SQL, mostly), so a one-line edit to a query shows as
 * one `-` and one `+` line rather than the whole query twice.
 */

export interface LineOp {
  op: '+' | '-' | ' ';
  line: string;
}

/** Above this many cells the quadratic LCS is not worth it: show old lines, then new lines. */
const MAX_CELLS = 250_000;

export function diffLines(before: readonly string[], after: readonly string[]): LineOp[] {
  // Common prefix and suffix first: most edits touch a few lines in the middle.
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  const same = (lines: readonly string[]): LineOp[] => lines.map((line) => ({ op: ' ', line }));
  return [
    ...same(before.slice(0, start)),
    ...middle(before.slice(start, endB), after.slice(start, endA)),
    ...same(before.slice(endB)),
  ];
}

function middle(b: readonly string[], a: readonly string[]): LineOp[] {
  const minus = (line: string): LineOp => ({ op: '-', line });
  const plus = (line: string): LineOp => ({ op: '+', line });
  if (b.length * a.length > MAX_CELLS || b.length === 0 || a.length === 0)
    return [...b.map(minus), ...a.map(plus)];
  // lcs[i][j] = length of the longest common subsequence of b[i..] and a[j..].
  const lcs: number[][] = Array.from({ length: b.length + 1 }, () => new Array<number>(a.length + 1).fill(0));
  for (let i = b.length - 1; i >= 0; i--) {
    for (let j = a.length - 1; j >= 0; j--) {
      lcs[i][j] = b[i] === a[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < b.length && j < a.length) {
    if (b[i] === a[j]) {
      out.push({ op: ' ', line: b[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push(minus(b[i++]));
    else out.push(plus(a[j++]));
  }
  while (i < b.length) out.push(minus(b[i++]));
  while (j < a.length) out.push(plus(a[j++]));
  return out;
}

/** Splits a string into lines; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
