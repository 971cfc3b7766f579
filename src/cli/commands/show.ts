/**
 * `backflow show [PLANFILE] [--json]`: a saved plan as `plan` prints it (human or the JSON plan), or, with
 * no file, the current state (human, or a `values` document shaped like `terraform show -json`).
 * Showing never takes the lock and never reads a warehouse.
 */
import { resolve } from 'node:path';
import { renderHuman } from '../../render/human';
import { renderJson } from '../../render/json-plan';
import { renderStateHuman, renderStateJson } from '../../render/state';
import { loadPlan } from '../../state/plan-file';
import { withWorkspace, type GlobalOptions } from '../workspace';

export interface ShowFlags extends GlobalOptions {
  json?: boolean;
}

export async function showCommand(planFile: string | undefined, flags: ShowFlags): Promise<number> {
  if (planFile !== undefined) {
    const { plan } = loadPlan(resolve(planFile));
    process.stdout.write((flags.json ? renderJson(plan) : renderHuman(plan, { color: flags.color })) + '\n');
    return 0;
  }
  return withWorkspace({ ...flags, readSecrets: false }, undefined, async (ws) => {
    const state = await ws.backend.read();
    process.stdout.write((flags.json ? renderStateJson(state) : renderStateHuman(state)) + '\n');
    return 0;
  });
}
