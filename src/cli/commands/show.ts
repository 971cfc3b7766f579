/**
 * `backflow show [PLANFILE] [--json]`: a saved plan as `plan` prints it (human or the JSON plan), or, with
 * no file, the current state (human, or a `values` document shaped like `terraform show -json`).
 * Showing never takes the lock and never reads a warehouse.
 */
import { resolve } from 'node:path';
import { renderStateHuman, renderStateJson } from '../../render/state';
import { loadPlan } from '../../state/plan-file';
import { withWorkspace, type GlobalOptions } from '../workspace';
import { printPlan } from './plan';

export interface ShowFlags extends GlobalOptions {
  json?: boolean;
}

export async function showCommand(planFile: string | undefined, flags: ShowFlags): Promise<number> {
  if (planFile !== undefined) {
    const { plan } = loadPlan(resolve(planFile));
    await printPlan(plan, flags.json ? 'json' : 'human', flags.color);
    return 0;
  }
  return withWorkspace({ ...flags, readSecrets: false }, undefined, async (ws) => {
    const state = await ws.backend.read();
    process.stdout.write((flags.json ? renderStateJson(state) : renderStateHuman(state)) + '\n');
    return 0;
  });
}
