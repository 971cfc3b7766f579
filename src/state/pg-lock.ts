/**
 * The pg backend's workspace lock: a session-level advisory lock keyed by a hash of schema and workspace,
 * held on one dedicated connection for as long as the lock is held, plus a row in `locks` naming the
 * holder. The advisory lock is what excludes; the row only says who. Postgres releases an advisory lock
 * when its session ends, so a holder that is killed (kill -9, a lost runner, a server restart) never
 * leaves the workspace locked: its row stays behind, stale, and the next locker overwrites it.
 *
 * A row is trusted only while its `pid` still holds the advisory lock: that is how a stale row is told
 * apart from a live holder.
 */
import type { Client } from 'pg';
import type { LockInfo } from './types';
import { advisoryKey, advisoryLockParts, type PgTables } from './pg-schema';

export interface LockKey {
  /** For `$n::bigint`. */
  key: string;
  classid: string;
  objid: string;
}

export function workspaceLockKey(schema: string, workspace: string): LockKey {
  const key = advisoryKey(`backflow:lock:${schema}:${workspace}`);
  return { key: String(key), ...advisoryLockParts(key) };
}

/** Backend pids of the sessions holding the advisory lock (at most one, unless Postgres is broken). */
export async function advisoryHolders(client: Client, k: LockKey): Promise<number[]> {
  const r = await client.query<{ pid: number }>(
    `select pid from pg_catalog.pg_locks
      where locktype = 'advisory' and granted and objsubid = 1 and classid = $1::oid and objid = $2::oid
        and database = (select oid from pg_catalog.pg_database where datname = current_database())`,
    [k.classid, k.objid],
  );
  return r.rows.map((row) => row.pid);
}

export async function tryAdvisoryLock(client: Client, k: LockKey): Promise<boolean> {
  const r = await client.query<{ got: boolean }>('select pg_try_advisory_lock($1::bigint) as got', [k.key]);
  return r.rows[0].got;
}

/** Records the holder; run on the lock's own session, so `pid` is the session holding the advisory lock. */
export async function writeLockRow(
  client: Client,
  t: PgTables,
  workspace: string,
  info: LockInfo,
): Promise<void> {
  await client.query(
    `insert into ${t.locks} (workspace, id, who, operation, created, ci_url, version, pid)
     values ($1, $2, $3, $4, $5, $6, $7, pg_backend_pid())
     on conflict (workspace) do update set id = excluded.id, who = excluded.who, operation = excluded.operation,
       created = excluded.created, ci_url = excluded.ci_url, version = excluded.version, pid = excluded.pid`,
    [workspace, info.id, info.who, info.operation, info.created, info.ci_url ?? null, info.version ?? null],
  );
}

export interface LockRow {
  info: LockInfo;
  pid: number;
  /** The row's session still holds the advisory lock. */
  live: boolean;
}

export async function readLockRow(
  client: Client,
  t: PgTables,
  workspace: string,
  k: LockKey,
): Promise<LockRow | undefined> {
  const r = await client.query<{
    id: string;
    who: string;
    operation: string;
    created: Date;
    ci_url: string | null;
    version: string | null;
    pid: number;
    live: boolean;
  }>(
    `select l.id, l.who, l.operation, l.created, l.ci_url, l.version, l.pid,
            exists (select 1 from pg_catalog.pg_locks k
                     where k.locktype = 'advisory' and k.granted and k.pid = l.pid and k.objsubid = 1
                       and k.classid = $2::oid and k.objid = $3::oid
                       and k.database = (select oid from pg_catalog.pg_database where datname = current_database())
                   ) as live
       from ${t.locks} l where l.workspace = $1`,
    [workspace, k.classid, k.objid],
  );
  const row = r.rows[0];
  if (row === undefined) return undefined;
  const info: LockInfo = {
    id: row.id,
    who: row.who,
    operation: row.operation,
    created: new Date(row.created).toISOString(),
  };
  if (row.version !== null) info.version = row.version;
  if (row.ci_url !== null) info.ci_url = row.ci_url;
  return { info, pid: row.pid, live: row.live };
}

/**
 * The live holder, for the "state is locked" message; `free` when the lock was released meanwhile. A holder
 * writes its row just after taking the advisory lock, so a row that is missing or stale is given a moment
 * to appear before saying "unknown" (undefined).
 */
export async function liveHolder(
  client: Client,
  t: PgTables,
  workspace: string,
  k: LockKey,
): Promise<LockInfo | 'free' | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const row = await readLockRow(client, t, workspace, k);
    if (row?.live) return row.info;
    if ((await advisoryHolders(client, k)).length === 0) return 'free';
    await sleep(50);
  }
  return undefined;
}

/**
 * Ends the session `pid` (it holds the lock of a process that is gone or stuck) and waits until Postgres
 * has released its locks. Needs the holder's role, membership in pg_signal_backend, or a superuser.
 */
export async function terminateHolder(client: Client, k: LockKey, pid: number): Promise<void> {
  const version = await client.query<{ v: string }>("select current_setting('server_version_num') as v");
  // Postgres 14+ can wait for the session to end; older servers are polled below.
  if (Number(version.rows[0].v) >= 140000) {
    await client.query('select pg_terminate_backend($1, 5000)', [pid]);
  } else {
    await client.query('select pg_terminate_backend($1)', [pid]);
  }
  for (let i = 0; i < 100 && (await advisoryHolders(client, k)).includes(pid); i++) await sleep(50);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
