/**
 * Engine hooks that print progress: apply lines in Terraform's style on stdout, and a refresh progress
 * line on stderr for long refreshes (so `plan --json > plan.json` stays clean).
 */
import type { EngineHooks } from '../engine/hooks';
import {
  applyFailed,
  applyFinished,
  applyStarted,
  applyPausedSyncs,
  applyResumedSyncs,
} from '../render/apply-progress';

export function applyHooks(color: boolean): EngineHooks {
  return {
    applyStarted: (address, action) => process.stdout.write(applyStarted(address, action, { color }) + '\n'),
    applyFinished: (address, action, seconds) =>
      process.stdout.write(applyFinished(address, action, seconds, { color }) + '\n'),
    applyFailed: (address, action, message) =>
      process.stdout.write(applyFailed(address, action, message, { color }) + '\n'),
    syncPaused: (sync, model) => process.stdout.write(applyPausedSyncs(sync, model, { color }) + '\n'),
    syncResumed: (sync, model) => process.stdout.write(applyResumedSyncs(sync, model, { color }) + '\n'),
  };
}

/** Refresh progress on stderr, only when it is a terminal or the refresh is long enough to matter. */
export function refreshHooks(): EngineHooks {
  const t0 = Date.now();
  let last = 0;
  return {
    refreshProgress: (done, total, address) => {
      const now = Date.now();
      if (now - t0 < 1000 || (now - last < 1000 && done < total)) return;
      last = now;
      process.stderr.write(`Refreshing: ${done}/${total} sources read (${address})\n`);
    },
  };
}
