/** The data plane's entry points: one sync run, a dry run, the run locks, and reading run history. */
export {
  runSync,
  dryRunSync,
  trackingTarget,
  type RunRequest,
  type RunResult,
  type RunEvents,
  type DryRunResult,
} from './run-sync';
export { runLocksFor, type RunLocks, SyncRunningError } from './run-lock';
export { runTarget, type RunTarget } from './run-target';
export { runHistory, runDetail } from './run-history';
