/**
 * Opening a workspace for a command: read and validate config, open its state backend, take the lock
 * when the command writes (or must see a consistent state), and always release and close at the end.
 */
import parseMs from 'parse-duration';
import type { DesiredState } from '../config/desired';
import { loadDesired, loadWorkspaces, type StackDesired } from './load-workspaces';
import { UserError } from '../errors';
import { watchSignals } from './signals';
import { Connections } from '../engine/connections';
import { openBackend } from '../state/backends';
import type { LockHandle, StateBackend } from '../state/types';
import { printError } from './output';

export interface GlobalOptions {
  config?: string;
  color: boolean;
  lockTimeout?: string;
  lock?: boolean;
  /** False for commands that never touch a warehouse (state, force-unlock): secrets need not be set. */
  readSecrets?: boolean;
  /** cdktf apps: only this stack (default: every stack). */
  stack?: string;
  /** cdktf apps: read this synth output folder instead of running the app. */
  synthDir?: string;
}

export interface Workspace {
  desired: DesiredState;
  backend: StateBackend;
  connections: Connections;
}

export { loadDesired, loadWorkspaces, type StackDesired } from './load-workspaces';

export interface EachOptions {
  color: boolean;
  /** Where `Stack: NAME` headers go: stderr keeps stdout machine-readable (--json). */
  headerTo: 'stdout' | 'stderr';
  /** Stop at the first stack that fails (apply); plan and validate go on and report every stack. */
  stopOnError?: boolean;
  /** When set, more than one selected stack is an error with this message (e.g. `plan --out`). */
  onlyOne?: string;
}

/**
 * Runs `fn` once per workspace: once for JSON config, once per selected stack of a cdktf app, each under a
 * `Stack: NAME` header. The exit code is the worst: 1 if any stack failed, else 2 if any returned 2.
 */
export async function forEachWorkspace(
  opts: GlobalOptions,
  each: EachOptions,
  fn: (desired: DesiredState, stack: string | undefined, count: number) => Promise<number>,
  loaded?: StackDesired[],
): Promise<number> {
  const all = loaded ?? (await loadWorkspaces(opts));
  if (all.length === 1 && all[0].stack === undefined) return fn(all[0].desired, undefined, 1);
  if (each.onlyOne !== undefined && all.length > 1)
    throw new UserError(
      each.onlyOne,
      `Stacks: ${all.map((s) => s.stack).join(', ')}. Choose one with --stack NAME.`,
    );
  const header = each.headerTo === 'stdout' ? process.stdout : process.stderr;
  let worst = 0;
  for (const [i, { stack, desired }] of all.entries()) {
    header.write(`${i > 0 ? '\n' : ''}Stack: ${stack}\n\n`);
    let code: number;
    try {
      code = await fn(desired, stack, all.length);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      printError(err, each.color);
      code = 1;
    }
    worst = worst === 1 || code === 1 ? 1 : Math.max(worst, code);
    const rest = all.slice(i + 1).map((s) => s.stack);
    if (code === 1 && each.stopOnError && rest.length > 0) {
      process.stderr.write(`Stopped after stack ${stack} failed; not run: ${rest.join(', ')}\n`);
      break;
    }
  }
  return worst;
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
  const connections = new Connections(d.configDir, gitProgressPrinter());
  const agentDatabase = agentDatabaseUrl(d);
  // Loaded when first asked for (apply of a dbt Cloud webhook): the agent database code is not plan's cost.
  if (agentDatabase)
    connections.webhookSecretStore = () =>
      (
        require('../agent/webhook-secret-store') as typeof import('../agent/webhook-secret-store')
      ).agentDbSecretStore(agentDatabase);
  let lock: LockHandle | undefined;
  // A signal while the lock is held releases it before the process exits (see signals.ts).
  const unwatch = watchSignals(() => void lock?.release());
  try {
    if (operation && opts.lock !== false) lock = await backend.lock(operation);
    return await fn({ desired: d, backend, connections });
  } finally {
    await connections.closeAll();
    if (lock) await lock.release();
    await backend.close();
    unwatch();
  }
}

/**
 * The agent's database, where apply keeps dbt Cloud webhook secrets: BACKFLOW_AGENT_DATABASE_URL, else the
 * "pg" state backend's database (the agent's default too).
 */
export function agentDatabaseUrl(d: DesiredState): string | undefined {
  const env = process.env.BACKFLOW_AGENT_DATABASE_URL;
  if (env !== undefined && env.trim() !== '') return env;
  return d.backend.type === 'pg' && !d.backend.connection_string_error
    ? d.backend.connection_string
    : undefined;
}

/** Go's duration grammar, as Terraform's flags take it: number-unit pairs, nothing else. */
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/**
 * A Go-style duration, as Terraform's `-lock-timeout` takes it: `90s`, `5m`, `1h`, `1h30m`, `1.5h`,
 * `500ms`, or a bare number of seconds; undefined means do not wait. parse-duration does the arithmetic; the
 * grammar is checked first because parse-duration skips what it does not understand, and a typo must be an
 * error, never a silent "do not wait".
 */
export function parseDuration(text: string | undefined, flag = '--lock-timeout'): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const bareSeconds = /^\d+(?:\.\d+)?$/.test(t);
  const ms = bareSeconds || GO_DURATION.test(t) ? parseMs(bareSeconds ? `${t}s` : t) : null;
  if (ms === null || ms === undefined || !Number.isFinite(ms)) {
    throw new UserError(
      `${flag} ${JSON.stringify(text)} is not a duration`,
      'Write a number with a unit: 500ms, 90s, 5m, 1h, 1h30m (or a bare number of seconds).',
    );
  }
  return ms;
}

/**
 * Clone and fetch progress on stderr (stdout may be a JSON plan), at most once a second per Git sync and
 * only after the first second: short syncs stay silent.
 */
function gitProgressPrinter(): (address: string, phase: string, loaded?: number, total?: number) => void {
  const started = new Map<string, number>();
  const last = new Map<string, number>();
  return (address, phase, loaded, total) => {
    const now = Date.now();
    if (!started.has(address)) started.set(address, now);
    if (now - started.get(address)! < 1000 || now - (last.get(address) ?? 0) < 1000) return;
    last.set(address, now);
    const amount = total
      ? ` ${Math.floor(((loaded ?? 0) / total) * 100)}% (${loaded}/${total})`
      : loaded
        ? ` ${loaded}`
        : '';
    process.stderr.write(`${address}: ${phase}${amount}\n`);
  };
}
