/**
 * Terminal output helpers: whether to use colour (NO_COLOR, --no-color, TTY), and how errors and
 * diagnostics are printed. Everything a user sees on error goes through here.
 */
import pc from 'picocolors';
import { formatDiagnostic } from '../config/format-diagnostic';
import type { Diagnostic } from '../diagnostics';
import { DiagnosticsError, UserError } from '../errors';

export interface OutputOptions {
  color: boolean;
}

export function useColor(noColorFlag: boolean, stream: NodeJS.WriteStream = process.stdout): boolean {
  if (noColorFlag) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

export function printDiagnostics(diagnostics: readonly Diagnostic[], color: boolean): void {
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d, { color }) + '\n\n');
}

/** Prints an error the way users should see it: a message and a hint, no stack, for UserErrors. */
export function printError(err: unknown, color: boolean): void {
  if (err instanceof DiagnosticsError) {
    printDiagnostics(err.diagnostics, color);
    return;
  }
  if (err instanceof UserError) {
    const head = color ? pc.red(pc.bold('Error: ')) : 'Error: ';
    process.stderr.write(`${head}${err.message}\n`);
    if (err.hint) process.stderr.write(`\n${indent(err.hint)}\n`);
    process.stderr.write('\n');
    return;
  }
  process.stderr.write(`Backflow crashed. This is a bug; please report it with the output below.\n\n`);
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : `  ${l}`))
    .join('\n');
}
