/**
 * A command-line error (unknown flag, missing argument, bad choice) as the JSON document the command
 * prints with `--json`, so a machine reading stdout always gets exactly one document: `plan` its failed
 * plan (errored, nothing applyable), every other command the diagnostics document `validate --json` prints.
 * Loaded only on that error path.
 */
import type { Diagnostic } from '../diagnostics';
import type { PlanMode } from '../engine/plan';
import { toJsonDiagnostic } from '../render/json-plan';

/** Commands whose subcommand is the second word (`state show`, `runs list`). */
const GROUPS = new Set(['state', 'runs', 'source', 'sync', 'dbt-cloud', 'models']);

export function parseErrorDocument(args: readonly string[], message: string): object {
  const words = args.filter((a) => !a.startsWith('-'));
  const command = words[0];
  const name = GROUPS.has(command ?? '') ? words.slice(0, 2) : words.slice(0, 1);
  const diagnostic: Diagnostic = {
    severity: 'error',
    summary: message.replace(/^error: /, ''),
    detail: `Run \`${['backflow', ...name, '--help'].join(' ')}\` for the flags and arguments it takes.`,
  };
  if (command === 'plan') {
    const { failedPlanDocument } = require('./commands/plan') as typeof import('./commands/plan');
    return failedPlanDocument([diagnostic], planMode(args));
  }
  return {
    format_version: '1.0',
    valid: false,
    error_count: 1,
    warning_count: 0,
    diagnostics: [toJsonDiagnostic(diagnostic)],
  };
}

function planMode(args: readonly string[]): PlanMode {
  if (args.includes('--destroy')) return 'destroy';
  if (args.includes('--refresh-only')) return 'refresh-only';
  return 'normal';
}
