/**
 * `backflow validate`: config only — schema, references, cycles, rules. Touches no state and no warehouse.
 */
import type { GlobalOptions } from '../workspace';
import { loadDesired } from '../workspace';

export async function validateCommand(flags: GlobalOptions & { json?: boolean }): Promise<number> {
  const desired = await loadDesired(flags);
  if (flags.json) {
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
