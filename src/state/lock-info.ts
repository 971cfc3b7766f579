/**
 * Who holds a state lock, and the message a second locker sees. Shared by every backend so the message is
 * the same whether the lock is a file or a Postgres advisory lock.
 */
import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { StateLockedError } from '../errors';
import { BACKFLOW_VERSION } from '../version';
import type { LockInfo } from './types';

export function newLockInfo(operation: string, env: NodeJS.ProcessEnv = process.env): LockInfo {
  const info: LockInfo = {
    id: randomUUID(),
    who: `${currentUser(env)}@${hostname()} (pid ${process.pid})`,
    operation,
    created: new Date().toISOString(),
    version: BACKFLOW_VERSION,
    host: hostname(),
    pid: process.pid,
  };
  const ci = ciRunUrl(env);
  if (ci !== undefined) info.ci_url = ci;
  return info;
}

/** A link to the CI run, so whoever meets the lock can see whether that run is still going. */
export function ciRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = env;
  if (GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID) {
    return `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`;
  }
  if (env.CI_JOB_URL) return env.CI_JOB_URL;
  return undefined;
}

/**
 * The error a second locker gets, in Terraform's shape. `holder` is undefined when the lock exists but
 * cannot be read (its holder is still writing it, or it is damaged).
 */
export function stateLockedError(where: string, holder: LockInfo | undefined): StateLockedError {
  const lines = ['Error acquiring the state lock', '', `The state in ${where} is locked.`];
  if (holder === undefined) {
    lines.push('The lock exists but does not say who holds it (it is being created, or it is damaged).');
  } else {
    lines.push(
      'Lock Info:',
      `  ID:        ${holder.id}`,
      `  Who:       ${holder.who}`,
      `  Operation: ${holder.operation}`,
      `  Created:   ${holder.created}`,
    );
    if (holder.version !== undefined) lines.push(`  Version:   ${holder.version}`);
    if (holder.ci_url !== undefined) lines.push(`  CI run:    ${holder.ci_url}`);
  }
  const id = holder?.id ?? '<ID>';
  return new StateLockedError(
    lines.join('\n'),
    'Backflow locks the state so that two runs never write it at once. Wait for the other run to finish ' +
      '(or pass --lock-timeout to wait for it). Only if you are sure its holder is gone, remove the lock with:\n' +
      `  backflow force-unlock ${id}\n` +
      // force-unlock asks for confirmation, which needs a terminal: in CI it must be told not to ask.
      `or, without a terminal to confirm it (CI): backflow force-unlock -force ${id}`,
  );
}

function currentUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    // Containers running as a uid with no passwd entry.
    return env.USER ?? env.USERNAME ?? 'unknown';
  }
}

/**
 * A lock left by a process that died on this host (kill -9, a crash, a closed terminal): its pid is gone.
 * Only this host can tell; a lock from another host is never judged stale here.
 */
export function isStaleLocalLock(holder: LockInfo | undefined): boolean {
  if (holder?.host !== hostname() || typeof holder.pid !== 'number' || holder.pid === process.pid)
    return false;
  try {
    process.kill(holder.pid, 0);
    return false; // alive (or reused by another process: then waiting is the safe side)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
