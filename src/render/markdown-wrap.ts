/**
 * Lines of a pull-request comment's code blocks, kept narrow enough that nobody scrolls sideways: GitHub
 * and GitLab show code blocks unwrapped, in a column about 110 monospace characters wide on a laptop (less
 * beside a file tree). A diff line is cut at a space where it can be, and every piece keeps the line's
 * symbol in column 0, so GitHub colours the whole of it.
 */

/** Characters per code-block line, symbol and indentation included. */
export const CODE_WIDTH = 90;

/** Pieces never get narrower than this, however deep the indentation. */
const MIN_TEXT = 24;

/**
 * `text` cut into pieces of at most `width` characters: at the last space that keeps a piece at least half
 * full, or mid-word when there is none (a long URL, a long identifier).
 */
export function wrapText(text: string, width: number, laterWidth = width): string[] {
  let room = Math.max(MIN_TEXT, width);
  const out: string[] = [];
  let rest = text;
  while (rest.length > room) {
    const space = rest.lastIndexOf(' ', room);
    const cut = space >= room / 2 ? space : room;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^ /, '');
    room = Math.max(MIN_TEXT, laterWidth);
  }
  if (rest !== '' || out.length === 0) out.push(rest);
  return out;
}

/**
 * One diff row (`symbol` in column 0, `indent`, `text`), cut to `width`: continuation rows repeat the
 * symbol and indent two spaces further, so they read as part of the row above.
 */
export function wrapRow(symbol: string, indent: string, text: string, width = CODE_WIDTH): string[] {
  const lead = `${symbol.padEnd(3)} ${indent}`;
  if (lead.length + text.length <= width) return [text === '' ? lead.trimEnd() : lead + text];
  const [head, ...more] = wrapText(text, width - lead.length, width - lead.length - 2);
  return [lead + head, ...more.map((piece) => `${lead}  ${piece}`)];
}

/** Every line of a plain text block (an error's detail) cut to `width`, at spaces where it can be. */
export function wrapBlock(text: string, width = CODE_WIDTH): string {
  return text
    .split('\n')
    .flatMap((line) => {
      if (line.length <= width) return [line];
      const indent = /^\s*/.exec(line)![0];
      return wrapText(line.slice(indent.length), width - indent.length).map((piece) => indent + piece);
    })
    .join('\n');
}

/**
 * A long one-line string split where a reader expects a line to end — before an SQL clause keyword —
 * so that an edit to one clause changes that clause's lines of the diff, not every line after it (which
 * re-flowing the text into full lines would). Text with no keywords (a long URL) stays one piece, and is
 * cut to width like any line.
 */
export function splitClauses(text: string): string[] {
  const pieces = text
    .split(
      /\s+(?=(?:select|from|where|left|right|inner|full|cross|join|on|and|or|group|order|having|limit|union|with|case|when|else|end)\b)/i,
    )
    .filter((piece) => piece !== '');
  // `left outer join x`: the join's words stay on one line.
  const out: string[] = [];
  for (const piece of pieces) {
    const last = out.length - 1;
    if (last >= 0 && /^(?:(?:left|right|inner|full|cross|outer)\s*)+$/i.test(out[last]))
      out[last] += ` ${piece}`;
    else out.push(piece);
  }
  return out;
}
