/**
 * Splits a Jinja template into text, `{{ expression }}` and `{% statement %}` parts (comments dropped,
 * `{% raw %}` kept as text, `-` whitespace control applied), with offsets for line numbers.
 */

export type Part =
  | { k: 'text'; s: string; pos: number }
  | { k: 'expr'; src: string; pos: number }
  | { k: 'stmt'; src: string; pos: number };

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

/** 1-based line of offset `pos` in `text`. */
export function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Offset of the `}}` / `%}` that closes a tag whose inside starts at `from`, skipping strings and brackets. */
function findClose(text: string, from: number, close: string): number {
  let depth = 0;
  for (let k = from; k < text.length; k++) {
    const c = text[k];
    if (c === "'" || c === '"') {
      k++;
      while (k < text.length && text[k] !== c) {
        if (text[k] === '\\') k++;
        k++;
      }
      continue;
    }
    if (depth === 0 && text.startsWith(close, k)) return k;
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
  }
  return -1;
}

const RAW = /^\s*raw\s*$/;
const END_RAW = /\{%-?\s*endraw\s*-?%\}/g;

export function lexTemplate(text: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  let trimNext = false;
  const pushText = (s: string, pos: number, trimEnd: boolean) => {
    if (trimNext) s = s.trimStart();
    if (trimEnd) s = s.trimEnd();
    trimNext = false;
    if (s !== '') parts.push({ k: 'text', s, pos });
  };
  while (i < text.length) {
    let j = text.indexOf('{', i);
    while (j >= 0 && !'{%#'.includes(text[j + 1] ?? '')) j = text.indexOf('{', j + 1);
    if (j < 0) {
      pushText(text.slice(i), i, false);
      break;
    }
    const kind = text[j + 1];
    let inner = j + 2;
    const trimLeft = text[inner] === '-';
    if (trimLeft) inner++;
    pushText(text.slice(i, j), i, trimLeft);
    if (kind === '#') {
      const close = text.indexOf('#}', inner);
      if (close < 0) throw new TemplateSyntaxError('unclosed Jinja comment {#', j);
      trimNext = text[close - 1] === '-';
      i = close + 2;
      continue;
    }
    const closeTok = kind === '{' ? '}}' : '%}';
    const close = findClose(text, inner, closeTok);
    if (close < 0) throw new TemplateSyntaxError(`unclosed Jinja tag ${text.slice(j, j + 2)}`, j);
    const trimRight = text[close - 1] === '-' && close - 1 >= inner;
    const src = text.slice(inner, trimRight ? close - 1 : close);
    i = close + 2;
    trimNext = trimRight;
    if (kind === '{') {
      parts.push({ k: 'expr', src, pos: inner });
    } else if (RAW.test(src)) {
      END_RAW.lastIndex = i;
      const end = END_RAW.exec(text);
      if (!end) throw new TemplateSyntaxError('unclosed {% raw %} block', j);
      pushText(text.slice(i, end.index), i, false);
      i = end.index + end[0].length;
    } else {
      parts.push({ k: 'stmt', src, pos: inner });
    }
  }
  return parts;
}

/** The keyword a statement starts with (`if`, `endif`, `set`, `macro`...). */
export function statementKeyword(src: string): string {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(src);
  return m ? m[1] : '';
}
