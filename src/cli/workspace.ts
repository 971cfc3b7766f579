/**
 * Opening a workspace for a command: read and validate config, open its state backend, take the lock
 * when the command writes (or must see a consistent state), and always release and close at the end.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config/load';
import type { DesiredState } from '../config/desired';
import { Connections } from '../engine/connections';
import { openBackend } from '../state/backends';
import type { LockHandle, StateBackend } from '../state/types';

export interface GlobalOptions {
  config?: string;
  color: boolean;
  lockTimeout?: string;
  lock?: boolean;
  /** False for commands that never touch a warehouse (state, force-unlock): secrets need not be set. */
  readSecrets?: boolean;
}

export interface Workspace {
  desired: DesiredState;
  backend: StateBackend;
  connections: Connections;
}

export async function loadDesired(opts: GlobalOptions): Promise<DesiredState> {
  return loadConfig({
    dir: resolve(opts.config ?? '.'),
    cwd: process.cwd(),
    readSecrets: opts.readSecrets !== false,
  });
}

/**
 * Runs `fn` with the workspace open. With `operation` set, the state lock is held for the whole call
 * (Terraform holds it across plan and apply, so nobody changes state between the two).
 */
export async function withWorkspace<T>(
  opts: GlobalOptions,
  operation: string | undefined,
  fn: (ws: Workspace) => Promise<T>,
  desired?: DesiredState,
): Promise<T> {
  const d = desired ?? (await loadDesired(opts));
  const backend = openBackend(d.backend, { lockTimeoutMs: parseDuration(opts.lockTimeout) });
  const connections = new Connections(d.configDir);
  let lock: LockHandle | undefined;
  try {
    if (operation && opts.lock !== false) lock = await backend.lock(operation);
    return await fn({ desired: d, backend, connections });
  } finally {
    await connections.closeAll();
    if (lock) await lock.release();
    await backend.close();
  }
}

/** `30s`, `2m`, `500ms`, or a bare number of seconds; undefined means do not wait. */
export function parseDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60000 : n * 1000;
}
