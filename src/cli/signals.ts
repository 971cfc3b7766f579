/**
 * SIGINT, SIGTERM and SIGHUP while a command holds the state lock. During an apply the first signal asks
 * for a graceful stop: no new action starts, running ones finish and are recorded, state is written, the
 * lock released, and the process exits 128 + the signal's number (130, 143, 129), as shells report a
 * process a signal stopped. Outside an apply (or on a second signal) the lock is released at once and the
 * process exits with that code; a finished action is already in the journal, so nothing is lost.
 */
import { constants } from 'node:os';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let received: NodeJS.Signals | undefined;
let gracefulDepth = 0;
const cleanups = new Set<() => void>();

export function exitCodeFor(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

/** The signal that asked the running apply to stop, if any. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return received;
}

function onSignal(signal: NodeJS.Signals): void {
  if (gracefulDepth > 0 && received === undefined) {
    received = signal;
    process.stderr.write(
      `\n${signal} received: no new actions start; the running ones finish, then state is written and the lock released.\n` +
        'Send it again to stop at once (finished actions are kept in the journal).\n',
    );
    return;
  }
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // exiting anyway
    }
  }
  process.exit(exitCodeFor(received ?? signal));
}

/**
 * stdout or stderr closed by its reader (`backflow plan | head`): what SIGPIPE does to Terraform, a Go
 * program, without dying mid-write. Handled like a signal: the lock is released and the process exits
 * 141 (128 + SIGPIPE), before anything after the output (a `-out` plan file) is written; during an apply,
 * the running actions finish and are recorded first, as on SIGINT.
 */
export function watchBrokenPipes(): void {
  let broken = false;
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      // Every later write fails the same way: one broken pipe is one signal, not a second "stop at once".
      if (broken) return;
      broken = true;
      onSignal('SIGPIPE');
    });
}

/**
 * Watches the signals until the returned function is called; `cleanup` runs (synchronously) before an
 * immediate exit, to release the lock.
 */
export function watchSignals(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  if (cleanups.size === 1) for (const s of SIGNALS) process.on(s, onSignal);
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) for (const s of SIGNALS) process.removeListener(s, onSignal);
  };
}

/** Runs `fn` with signals asking for a graceful stop (see interruptedBy) instead of an immediate exit. */
export async function graceful<T>(fn: () => Promise<T>): Promise<T> {
  gracefulDepth += 1;
  try {
    return await fn();
  } finally {
    gracefulDepth -= 1;
  }
}
