/**
 * A result set as a plain text table (`backflow preview`), psql-style:
 *
 *    order_id | amount
 *   ----------+--------
 *    1        | 1200.5
 */
import { sanitize } from './text';

/** Longer cells are cut: a preview is for a glance, `--json` gives everything. */
const MAX_CELL = 60;

export function renderTable(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cells = rows.map((row) => columns.map((col) => cell(row[col])));
  const heads = columns.map((c) => cut(sanitize(c).replace(/\n/g, '\\n')));
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]): string =>
    ' ' +
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join(' | ')
      .trimEnd();
  return [line(heads), widths.map((w) => '-'.repeat(w + 2)).join('+'), ...cells.map(line)].join('\n');
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return cut('\\x' + value.toString('hex'));
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return cut(sanitize(text).replace(/\r?\n/g, '\\n'));
}

function cut(text: string): string {
  return text.length > MAX_CELL ? text.slice(0, MAX_CELL - 1) + '…' : text;
}
