/**
 * Escaping for GitHub-flavoured Markdown. Plan values come from config and warehouses, so they may hold
 * backticks, pipes or HTML; none of that may break out of its code block, table cell or <details>.
 */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline code that is safe in a table cell too (a `|` would otherwise end the cell). */
export function code(text: string): string {
  const flat = text.replace(/\s*\r?\n\s*/g, ' ');
  if (!/[`|]/.test(flat)) return '`' + flat + '`';
  return '<code>' + escapeHtml(flat).replace(/\|/g, '&#124;').replace(/`/g, '&#96;') + '</code>';
}

/** Prose on one line: HTML outside code spans is escaped so a `<details>` in a message stays text. */
export function inline(text: string): string {
  return text
    .replace(/\s*\r?\n\s*/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('');
}

/**
 * A fenced code block whose fence is longer than any run of backticks in the body: CommonMark closes a
 * fence only with one at least as long, so a value containing ``` cannot end the block early.
 */
export function fenced(info: string, body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${body}\n${fence}`;
}

/** Prefixes every line with `> ` (a bare `>` for empty lines, so the quote does not end). */
export function blockquote(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? '>' : `> ${l}`))
    .join('\n');
}
