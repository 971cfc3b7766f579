/**
 * `backflow validate`: config only — schema, references, cycles, rules. Touches no state and no warehouse,
 * and needs no secret value: a secret environment variable that is not set is a warning (plan and apply
 * will need it), so validate runs in a pull request from a fork or on a laptop without credentials.
 * `--json` always prints exactly one JSON document on stdout, valid or not, with every diagnostic in it.
 */
import { isSensitive, type SecretRef } from '../../config/secrets';
import type { DesiredState } from '../../config/desired';
import { warning, type Diagnostic } from '../../diagnostics';
import { DiagnosticsError, UserError } from '../../errors';
import { toJsonDiagnostic } from '../../render/json-plan';
import { printDiagnostics } from '../output';
import { loadWorkspaces } from '../load-workspaces';
import type { GlobalOptions } from '../workspace';

interface Checked {
  stack?: string;
  resources: number;
  diagnostics: Diagnostic[];
}

export async function validateCommand(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  let checked: Checked[];
  try {
    const all = await loadWorkspaces({ ...flags, readSecrets: false });
    checked = all.map(({ stack, desired }) => ({
      stack,
      resources: desired.resources.size,
      diagnostics: [...(desired.warnings ?? []), ...unsetSecrets(desired)],
    }));
  } catch (err) {
    if (!flags.json || !(err instanceof UserError)) throw err;
    checked = [{ resources: 0, diagnostics: diagnosticsOf(err) }];
  }
  const diagnostics = checked.flatMap((c) => c.diagnostics);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (flags.json) {
    const doc: Record<string, unknown> = {
      format_version: '1.0',
      valid: errors === 0,
      error_count: errors,
      warning_count: diagnostics.length - errors,
      diagnostics: diagnostics.map(toJsonDiagnostic),
      resources: checked.reduce((n, c) => n + c.resources, 0),
    };
    if (checked.some((c) => c.stack !== undefined))
      doc.stacks = checked.map((c) => ({
        stack: c.stack,
        resources: c.resources,
        valid: !c.diagnostics.some((d) => d.severity === 'error'),
      }));
    process.stdout.write(JSON.stringify(doc) + '\n');
    return errors === 0 ? 0 : 1;
  }
  printDiagnostics(diagnostics, flags.color);
  for (const [i, c] of checked.entries()) {
    if (c.stack !== undefined) process.stdout.write(`${i > 0 ? '\n' : ''}Stack: ${c.stack}\n\n`);
    process.stdout.write(`Success! The configuration is valid (${c.resources} resources).\n`);
  }
  return 0;
}

/** A load error as diagnostics: a DiagnosticsError carries them; any other UserError is one. */
export function diagnosticsOf(err: UserError): Diagnostic[] {
  if (err instanceof DiagnosticsError) return err.diagnostics;
  return [{ severity: 'error', summary: err.message, ...(err.hint ? { detail: err.hint } : {}) }];
}

/** Secrets referenced by `env` whose variable is not set: fine for validate, needed by plan and apply. */
function unsetSecrets(desired: DesiredState): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of desired.resources.values()) {
    walk(r.attributes, (ref, path) => {
      if ('env' in ref && !process.env[ref.env])
        out.push(
          warning(`Secret environment variable ${ref.env} is not set`, {
            address: r.address,
            path,
            detail: `validate does not need it, but plan and apply will read it for ${r.address}.`,
          }),
        );
    });
  }
  return out;
}

function walk(value: unknown, fn: (ref: SecretRef, path: string) => void, path = '$'): void {
  if (isSensitive(value)) {
    fn(value.$sensitive.ref, path);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value)) walk(v, fn, `${path}.${k}`);
}
