/**
 * When an apply cannot write its final state (a full or read-only state folder, a lost state database),
 * the objects it made still exist, and its journal may say only "being created" (tainted) for them — which
 * the next plan would replace. So, like Terraform's `errored.tfstate`, the state as it truly is goes to a
 * copy outside the backend (the config folder, else the system temp folder), and the next run finds it:
 * `plan` plans against it (with a warning), `apply` writes it to the backend first. An action whose outside
 * effect succeeded is never replaced because its journal line could not be written.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../errors';
import { removeQuietly } from '../state/durable-fs';
import { parseState, serializeState } from '../state/state';
import type { StateFile } from '../state/types';
import type { Workspace } from './workspace';

const FILE = 'errored.backflow-state.json';

/** Where a copy may be: the config folder first, then the temp folder (named after the backend). */
function candidates(ws: Workspace): string[] {
  const key = createHash('sha256').update(ws.backend.describe()).digest('hex').slice(0, 16);
  return [join(ws.desired.configDir, FILE), join(tmpdir(), `backflow-errored-state-${key}.json`)];
}

/** Writes `state` to the first place that takes it; the path, or undefined when none did. */
export function saveErroredState(ws: Workspace, state: StateFile): string | undefined {
  for (const path of candidates(ws)) {
    try {
      fs.writeFileSync(path, serializeState(state), { mode: 0o600 });
      return path;
    } catch {
      removeQuietly(path);
    }
  }
  return undefined;
}

/** The error to stop with after the final state write failed. */
export function stateNotWrittenError(err: unknown, saved: string | undefined): UserError {
  const why = err instanceof Error ? err.message : String(err);
  const hint = err instanceof UserError && err.hint ? `${err.hint}\n` : '';
  return new UserError(
    `Apply finished its actions but could not write the state: ${why}`,
    saved
      ? `${hint}The state, with every finished action, was saved to ${saved}. The next \`backflow apply\` ` +
          'writes it to the backend first (and `plan` plans against it), so nothing that was made is made again.'
      : `${hint}No copy of the state could be saved either. Objects the journal marks as being created may ` +
          'exist: check them before the next apply, which would replace them.',
  );
}

/** An errored copy newer than `prior` of the same workspace (lineage), if one was left. */
export function findErroredState(
  ws: Workspace,
  prior: StateFile | null,
): { path: string; state: StateFile } | undefined {
  for (const path of candidates(ws)) {
    let text: string;
    try {
      text = fs.readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    const state = parseState(text, path, `Remove ${path} if it belongs to no apply of this workspace.`);
    if (prior === null || (state.lineage === prior.lineage && state.serial > prior.serial))
      return { path, state };
  }
  return undefined;
}

/** After the backend took the copy: remove it (wherever it was). */
export function forgetErroredState(path: string): void {
  removeQuietly(path);
}
