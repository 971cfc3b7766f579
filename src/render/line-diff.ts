/**
 * Line diff of two multi-line strings (a model's SQL, mostly), so a one-line edit to a query shows as
 * one `-` and one `+` line rather than the whole query twice. The diff is jsdiff's (Myers), not ours.
 */
// jsdiff (twenty modules) loads only when a plan shows a changed multi-line value.
const loadDiff = () => require('diff') as typeof import('diff');

export interface LineOp {
  op: '+' | '-' | ' ';
  line: string;
}

/**
 * Above this many edits the diff is not worth computing (two unrelated 10,000-line texts): show old lines,
 * then new lines, as a replacement.
 */
const MAX_EDIT_LENGTH = 2_000;

export function diffLines(before: readonly string[], after: readonly string[]): LineOp[] {
  const parts = loadDiff().diffArrays([...before], [...after], { maxEditLength: MAX_EDIT_LENGTH });
  if (parts === undefined)
    return [
      ...before.map((line): LineOp => ({ op: '-', line })),
      ...after.map((line): LineOp => ({ op: '+', line })),
    ];
  const out: LineOp[] = [];
  for (const part of parts) {
    const op = part.added ? '+' : part.removed ? '-' : ' ';
    for (const line of part.value) out.push({ op, line });
  }
  return out;
}

/** Splits a string into lines; a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
