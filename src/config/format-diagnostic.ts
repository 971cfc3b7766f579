/**
 * One diagnostic as text for a terminal or a log, in the manner of Terraform:
 *
 *   Error: unknown field "primay_key"; did you mean "primary_key"?
 *
 *     on backflow.json line 12, column 7, in $.models.big_orders
 *     Fields allowed here: ...
 *
 * For config synthesized by a cdktf app, an `in construct production/etl/users` line comes first.
 */
import { isAbsolute, relative } from 'node:path';
import { createColors } from 'picocolors';
import type { Diagnostic } from '../diagnostics';

export interface FormatOptions {
  color?: boolean;
  /** File names inside this folder are shown relative to it. Default: process.cwd(). */
  cwd?: string;
}

export function formatDiagnostic(d: Diagnostic, opts: FormatOptions = {}): string {
  const c = createColors(opts.color ?? false);
  const label = d.severity === 'error' ? c.bold(c.red('Error:')) : c.bold(c.yellow('Warning:'));
  const lines = [`${label} ${c.bold(d.summary)}`];
  const where = location(d, opts.cwd ?? process.cwd());
  const detail = d.detail === undefined ? [] : d.detail.split('\n');
  if (where !== undefined || detail.length > 0 || d.construct !== undefined) lines.push('');
  // A cdktf app's problem points at the construct first: that is the TypeScript to change.
  if (d.construct !== undefined) lines.push(`  in construct ${d.construct}`);
  if (where !== undefined) lines.push(`  ${where}`);
  for (const line of detail) lines.push(line === '' ? '' : `  ${line}`);
  return lines.join('\n');
}

function location(d: Diagnostic, cwd: string): string | undefined {
  if (d.file !== undefined) {
    let text = `on ${shown(d.file, cwd)}`;
    if (d.line !== undefined)
      text += ` line ${d.line}` + (d.column !== undefined ? `, column ${d.column}` : '');
    if (d.path !== undefined) text += `, in ${d.path}`;
    return text;
  }
  if (d.address !== undefined) return `in ${d.address}`;
  return d.path === undefined ? undefined : `in ${d.path}`;
}

function shown(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
