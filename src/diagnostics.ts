/**
 * A problem found in config, state or plan, returned as a value (not thrown one at a time) so a user sees
 * every problem in one run. `file`/`path` point at config; `address` at a resource.
 */
export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** One line: what is wrong. */
  summary: string;
  /** More lines: why, and how to fix it. */
  detail?: string;
  /** Resource address (`model.active_users`) the problem belongs to. */
  address?: string;
  /** Config file (relative to the working directory when possible). */
  file?: string;
  /** JSON path inside the file, e.g. `$.models.active_users.primary_key`. */
  path?: string;
  line?: number;
  column?: number;
  /** cdktf construct path (`production/etl/users`) of the resource, for config synthesized by a cdktf app. */
  construct?: string;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function error(summary: string, fields: Omit<Diagnostic, 'severity' | 'summary'> = {}): Diagnostic {
  return { severity: 'error', summary, ...fields };
}

export function warning(summary: string, fields: Omit<Diagnostic, 'severity' | 'summary'> = {}): Diagnostic {
  return { severity: 'warning', summary, ...fields };
}

/** `$.models["my model"].query` style JSON path from path segments. */
export function jsonPath(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}
