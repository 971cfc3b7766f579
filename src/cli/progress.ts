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

/**
 * Refresh progress on stderr: a line per second of progress once a refresh is long enough to matter, and,
 * while a source keeps it waiting with nothing finishing, Terraform's `Still refreshing... [10s elapsed]`
 * every 10 s, so a slow warehouse never looks like a hang. The timer never keeps the process alive.
 */
export function refreshHooks(every = 10_000): EngineHooks {
  const t0 = Date.now();
  let last = 0;
  let done = 0;
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  return {
    refreshStarted: (n) => {
      total = n;
      if (n === 0) return;
      timer = setInterval(() => {
        if (done >= total) return stop();
        const elapsed = Math.round((Date.now() - t0) / 1000);
        process.stderr.write(`Still refreshing... [${elapsed}s elapsed, ${done}/${total} sources read]\n`);
      }, every);
      timer.unref();
    },
    refreshProgress: (n, all, address) => {
      done = n;
      if (n >= all) stop();
      const now = Date.now();
      if (now - t0 < 1000 || (now - last < 1000 && n < all)) return;
      last = now;
      process.stderr.write(`Refreshing: ${n}/${all} sources read (${address})\n`);
    },
  };
}
