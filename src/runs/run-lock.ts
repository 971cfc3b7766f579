/**
 * One run of a sync at a time. The lock lives where the workspace's state lives, and dies with its
 * holder, so a killed run never leaves it held:
 * - local backend: `<state dir>/runs/<sync>.lock`, created exclusively, naming pid and host. A lock whose
 *   pid is gone on this host is taken over at once; a lock from another host is reported with its holder.
 * - pg backend: a session advisory lock on a dedicated connection, keyed by workspace and sync. The server
 *   releases it when the session ends, whatever killed the process.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { BackendConfig } from '../config/desired';
import { UserError } from '../errors';
import { endSession, openSession } from '../state/pg-connection';

export interface RunLockHandle {
  release(): Promise<void>;
}

export interface RunLocks {
  /** Takes the lock of `sync` or throws a UserError naming the holder. */
  acquire(sync: string, runId: string): Promise<RunLockHandle>;
}

export class SyncRunningError extends UserError {
  constructor(sync: string, holder: string) {
    super(
      `sync.${sync} is already running (${holder})`,
      'Runs of one sync never overlap: wait for it to finish. A run whose process was killed releases its lock by itself.',
    );
    this.name = 'SyncRunningError';
  }
}

interface LockFileBody {
  pid: number;
  host: string;
  who: string;
  run_id: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class LocalRunLocks implements RunLocks {
  constructor(private readonly dir: string) {}

  async acquire(sync: string, runId: string): Promise<RunLockHandle> {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `${sync}.lock`);
    const body: LockFileBody = {
      pid: process.pid,
      host: hostname(),
      who: `${safeUser()}@${hostname()}`,
      run_id: runId,
      since: new Date().toISOString(),
    };
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, JSON.stringify(body));
        } finally {
          closeSync(fd);
        }
        return {
          release: async () => {
            try {
              const now = JSON.parse(readFileSync(path, 'utf8')) as LockFileBody;
              if (now.run_id === runId) unlinkSync(path);
            } catch {
              // already gone: nothing to release
            }
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let holder: LockFileBody | undefined;
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as LockFileBody;
      } catch {
        holder = undefined; // being written right now, or garbage: look again
      }
      if (holder && holder.host === hostname() && !alive(holder.pid)) {
        // Its process is gone: the lock is stale.
        try {
          unlinkSync(path);
        } catch {
          // someone else took it over first
        }
        continue;
      }
      if (holder) {
        throw new SyncRunningError(
          sync,
          `run ${holder.run_id} by ${holder.who}, pid ${holder.pid}, since ${holder.since}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new SyncRunningError(sync, `lock file ${path} is held`);
  }
}

export class PgRunLocks implements RunLocks {
  constructor(
    private readonly connectionString: string,
    private readonly schema: string,
    private readonly workspace: string,
  ) {}

  async acquire(sync: string, runId: string): Promise<RunLockHandle> {
    const where = `pg workspace "${this.workspace}"`;
    const session = await openSession(this.connectionString, `run ${sync}`, where);
    const key = `backflow-run:${this.schema}:${this.workspace}:${sync}`;
    try {
      const { rows } = await session.client.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 0)) as ok',
        [key],
      );
      if (!rows[0]?.ok) {
        const holder = await session.client
          .query<{ app: string; since: string }>(
            `select a.application_name as app, a.backend_start::text as since
               from pg_locks l join pg_stat_activity a on a.pid = l.pid
              where l.locktype = 'advisory' and l.granted
                and ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended($1, 0)
              limit 1`,
            [key],
          )
          .then((r) => r.rows[0])
          .catch(() => undefined);
        throw new SyncRunningError(
          sync,
          holder ? `${holder.app}, connected since ${holder.since}` : 'another process',
        );
      }
    } catch (err) {
      await endSession(session);
      throw err;
    }
    void runId;
    return { release: () => endSession(session) };
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The run locks of a workspace, next to its state. */
export function runLocksFor(backend: BackendConfig): RunLocks {
  if (backend.type === 'pg') {
    return new PgRunLocks(backend.connection_string, backend.schema, backend.workspace);
  }
  return new LocalRunLocks(join(dirname(backend.path), 'runs'));
}
