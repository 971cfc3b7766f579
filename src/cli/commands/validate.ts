/**
 * `backflow validate`: config only — schema, references, cycles, rules. Touches no state and no warehouse.
 */
import type { DesiredState } from '../../config/desired';
import { forEachWorkspace, type GlobalOptions } from '../workspace';

export async function validateCommand(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const each = { color: flags.color, headerTo: flags.json ? ('stderr' as const) : ('stdout' as const) };
  return forEachWorkspace(flags, each, async (desired) => report(desired, flags.json === true));
}

function report(desired: DesiredState, json: boolean): number {
  if (json) {
    process.stdout.write(
      JSON.stringify({
        valid: true,
        error_count: 0,
        warning_count: 0,
        diagnostics: [],
        resources: desired.resources.size,
      }) + '\n',
    );
  } else {
    process.stdout.write(`Success! The configuration is valid (${desired.resources.size} resources).\n`);
  }
  return 0;
}
