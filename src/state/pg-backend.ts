/**
 * State in Postgres, for teams whose CI runners share a workspace:
 *   backend: { "type": "pg", "connection_string": { "env": "..." }, "schema": "backflow", "workspace": "prod" }
 *
 * Tables and their rows are described in pg-schema.ts, the lock in pg-lock.ts. The guarantees are the local
 * backend's: a write is atomic and keeps the previous version (here every version: `state history`), each
 * finished action is one durable INSERT into the journal before the next starts (so bytes per action do
 * not grow with the state), and reads fold in the journal of an interrupted apply by the rules of
 * journal.ts. A write also clears the journal in the same transaction.
 *
 * Writes made while this instance holds the lock are fenced: they go through only while the lock row still
 * names this holder and its session is alive, so a run whose lock was lost (server restart, force-unlock)
 * cannot overwrite the work of the run that took the lock next.
 */
import type { Client } from 'pg';
import type { PgBackendConfig } from '../config/desired';
import { UserError } from '../errors';
import { BACKFLOW_VERSION } from '../version';
import {
  foreignJournalError,
  journalEntryLine,
  journalFit,
  journalHeaderLine,
  parseJournal,
  recoverFromJournal,
  sameBase,
  type JournalHints,
} from './journal';
import { newLockInfo, stateLockedError } from './lock-info';
import { endSession, openSession, queryError, redact, serverLabel, type PgSession } from './pg-connection';
import {
  liveHolder,
  readLockRow,
  sleep,
  terminateHolder,
  tryAdvisoryLock,
  workspaceLockKey,
  writeLockRow,
  type LockKey,
} from './pg-lock';
import { ensureTables, pgTables, quoteIdent, quoteLiteral, type PgTables } from './pg-schema';
import { parseState, serializeState } from './state';
import { alreadyAtSerial, checkSuccessor } from './successor';
import {
  STATE_FORMAT_VERSION,
  type BytesWritten,
  type JournalBase,
  type JournalEntry,
  type LockHandle,
  type LockInfo,
  type ReadResult,
  type StateBackend,
  type StateFile,
  type StateVersion,
} from './types';

export interface PgBackendOptions {
  /** Keep trying to take the lock this long before failing (default 0: fail at once). */
  lockTimeoutMs?: number;
  /** Pause between attempts while waiting for the lock (jittered, so waiters do not move in step). */
  lockRetryMs?: number;
}

interface HeldLock {
  session: PgSession;
  info: LockInfo;
  released: boolean;
}

export class PgBackend implements StateBackend {
  readonly bytesWritten: BytesWritten = { state: 0, journal: 0 };
  readonly tables: PgTables;
  readonly workspace: string;
  private readonly connectionString: string;
  private readonly connectionStringError: PgBackendConfig['connection_string_error'];
  private readonly key: LockKey;
  private readonly where: string;
  private readonly journalWhere: string;
  private readonly hints: JournalHints;
  private readonly lockTimeoutMs: number;
  private readonly lockRetryMs: number;
  private data: PgSession | undefined;
  private connecting: Promise<PgSession> | undefined;
  private held: HeldLock | undefined;
  /** The journal this instance appends to, and the next seq (0 is the header). */
  private journal: { base: JournalBase; next: number } | undefined;

  constructor(
    config: Pick<PgBackendConfig, 'connection_string' | 'schema' | 'workspace' | 'connection_string_error'>,
    options: PgBackendOptions = {},
  ) {
    this.connectionString = config.connection_string;
    this.connectionStringError = config.connection_string_error;
    this.workspace = config.workspace;
    this.tables = pgTables(config.schema);
    this.key = workspaceLockKey(config.schema, config.workspace);
    this.where = `pg workspace "${config.workspace}" (schema "${config.schema}" on ${serverLabel(config.connection_string)})`;
    this.journalWhere = `${this.tables.journal} (workspace "${config.workspace}")`;
    this.hints = {
      setAside: (suffix) =>
        `in psql: update ${this.tables.journal} set workspace = ${quoteLiteral(
          `${config.workspace}.${suffix}-${Date.now()}`,
        )} where workspace = ${quoteLiteral(config.workspace)};`,
      restoreState:
        'Restore a kept version with `backflow state rollback SERIAL` (see `backflow state history`)',
    };
    this.lockTimeoutMs = options.lockTimeoutMs ?? 0;
    this.lockRetryMs = options.lockRetryMs ?? 100;
  }

  describe(): string {
    return this.where;
  }

  // --- lock ---

  async lock(operation: string): Promise<LockHandle> {
    const info = newLockInfo(operation);
    await this.session(); // the tables exist before anyone locks
    const session = await this.open(`lock ${this.workspace}`);
    const deadline = Date.now() + this.lockTimeoutMs;
    try {
      for (let freed = 0; ;) {
        if (await tryAdvisoryLock(session.client, this.key)) break;
        const left = deadline - Date.now();
        if (left <= 0) {
          const holder = await this.run('reading the lock', (c) =>
            liveHolder(c, this.tables, this.workspace, this.key),
          );
          // Released while we looked: one more try costs nothing.
          if (holder === 'free' && freed++ < 3) continue;
          throw stateLockedError(this.where, holder === 'free' ? undefined : holder);
        }
        await sleep(Math.min(left, this.lockRetryMs * (0.5 + Math.random())));
      }
      await writeLockRow(session.client, this.tables, this.workspace, info);
    } catch (err) {
      const cause = err instanceof UserError ? err : (session.lost ?? err);
      await endSession(session);
      throw queryError(cause, 'taking the lock', this.where, this.connectionString);
    }
    const held: HeldLock = { session, info, released: false };
    this.held = held;
    return { info, release: () => this.release(held) };
  }

  async forceUnlock(id: string): Promise<void> {
    await this.run('force-unlocking the state', async (c) => {
      const row = await readLockRow(c, this.tables, this.workspace, this.key);
      if (row === undefined) {
        throw new UserError(`No lock is held on the state in ${this.where}`, 'There is nothing to unlock.');
      }
      if (row.info.id !== id) {
        throw new UserError(
          `Lock ID ${id} does not match the lock on ${this.where}, whose ID is ${row.info.id} (held by ${row.info.who})`,
          'Copy the ID from the "Error acquiring the state lock" message of the run that met the lock.',
        );
      }
      // A stale row (its session is gone, and with it the advisory lock) only needs removing.
      if (row.live) {
        try {
          await terminateHolder(c, this.key, row.pid);
        } catch (err) {
          if ((err as { code?: string }).code !== '42501') throw err;
          throw new UserError(
            `Cannot end the Postgres session (pid ${row.pid}) that holds the lock on ${this.where}: permission denied`,
            "force-unlock ends the holder's session with pg_terminate_backend, which needs the holder's role, " +
              `membership in pg_signal_backend, or a superuser. Ask an admin to run: select pg_terminate_backend(${row.pid});`,
          );
        }
      }
      await c.query(`delete from ${this.tables.locks} where workspace = $1 and id = $2`, [
        this.workspace,
        id,
      ]);
    });
  }

  // --- state ---

  async read(): Promise<StateFile | null> {
    return (await this.readWithRecovery()).state;
  }

  async readWithRecovery(): Promise<ReadResult> {
    const { row, entries } = await this.transaction(
      'reading the state',
      'begin isolation level repeatable read read only',
      async (c) => {
        const s = await c.query<{ serial: string; body: string }>(
          `select serial, body from ${this.tables.states} where workspace = $1 order by serial desc limit 1`,
          [this.workspace],
        );
        const j = await c.query<{ entry: string }>(
          `select entry from ${this.tables.journal} where workspace = $1 order by seq`,
          [this.workspace],
        );
        return { row: s.rows[0], entries: j.rows.map((r) => withNewline(r.entry)) };
      },
    );
    const state = row === undefined ? null : this.parse(row.body, Number(row.serial));
    if (entries.length === 0) return { state, recoveredJournalEntries: 0 };
    const parsed = parseJournal(entries.join(''), this.journalWhere, this.hints);
    return recoverFromJournal(state, parsed, this.journalWhere, this.where, this.hints);
  }

  async write(state: StateFile): Promise<void> {
    const guard = this.lockGuard();
    const body = serializeState({
      ...state,
      format_version: STATE_FORMAT_VERSION,
      backflow_version: BACKFLOW_VERSION,
    });
    await this.transaction('writing the state', 'begin', async (c) => {
      if (guard !== null) {
        // The row is locked until commit: a next holder cannot take it over halfway through this write.
        await c.query(`select 1 from ${this.tables.locks} where workspace = $1 and id = $2 for share`, [
          this.workspace,
          guard,
        ]);
        const held = await c.query<{ held: boolean }>(`select ${this.stillHeld('$2', '$3', '$4')} as held`, [
          this.workspace,
          guard,
          this.key.classid,
          this.key.objid,
        ]);
        if (!held.rows[0].held) throw this.lostLock();
      }
      const current = await c.query<{ serial: string; lineage: string }>(
        `select serial, lineage from ${this.tables.states} where workspace = $1 order by serial desc limit 1 for update`,
        [this.workspace],
      );
      const row = current.rows[0];
      if (row !== undefined)
        checkSuccessor({ lineage: row.lineage, serial: Number(row.serial) }, state, this.where);
      try {
        await c.query(
          `insert into ${this.tables.states} (workspace, serial, lineage, body, backflow_version, resource_count)
           values ($1, $2, $3, $4, $5, $6)`,
          [
            this.workspace,
            state.serial,
            state.lineage,
            body,
            BACKFLOW_VERSION,
            Object.keys(state.resources).length,
          ],
        );
      } catch (err) {
        // A concurrent first write (no row to lock above) loses on the primary key.
        if ((err as { code?: string }).code === '23505')
          throw alreadyAtSerial(state.serial, state.serial, this.where);
        throw err;
      }
      // Folded in by this very write: the journal goes in the same transaction.
      await c.query(`delete from ${this.tables.journal} where workspace = $1`, [this.workspace]);
    });
    this.journal = undefined;
    this.bytesWritten.state += Buffer.byteLength(body, 'utf8');
  }

  async appendJournal(base: JournalBase, entry: JournalEntry): Promise<void> {
    const guard = this.lockGuard();
    if (this.journal === undefined || !sameBase(this.journal.base, base)) {
      this.journal = await this.openJournal(base, guard);
    }
    const journal = this.journal;
    const line = journalEntryLine(entry);
    await this.run('appending to the journal', (c) =>
      this.insertJournalRow(c, journal.next, base, line, guard),
    );
    journal.next++;
    this.bytesWritten.journal += Buffer.byteLength(line, 'utf8');
  }

  async history(): Promise<StateVersion[]> {
    const r = await this.run('reading the state history', (c) =>
      c.query<{
        serial: string;
        lineage: string;
        created_at: Date;
        backflow_version: string;
        resource_count: number | null;
      }>(
        `select serial, lineage, created_at, backflow_version, resource_count
           from ${this.tables.states} where workspace = $1 order by serial desc`,
        [this.workspace],
      ),
    );
    return r.rows.map((row, i) => ({
      serial: Number(row.serial),
      lineage: row.lineage,
      created_at: new Date(row.created_at).toISOString(),
      backflow_version: row.backflow_version,
      resources: row.resource_count,
      current: i === 0,
    }));
  }

  async readVersion(serial: number): Promise<StateFile | null> {
    const r = await this.run('reading a state version', (c) =>
      c.query<{ body: string }>(
        `select body from ${this.tables.states} where workspace = $1 and serial = $2`,
        [this.workspace, serial],
      ),
    );
    return r.rows[0] === undefined ? null : this.parse(r.rows[0].body, serial);
  }

  async close(): Promise<void> {
    if (this.held !== undefined) await this.release(this.held);
    const data = this.data;
    this.data = undefined;
    await endSession(data);
  }

  // --- internals ---

  /** The data session (not the lock's), connected and with the tables created on first use. */
  private async session(): Promise<PgSession> {
    if (this.data !== undefined && this.data.lost === undefined) return this.data;
    const lost = this.data?.lost;
    if (this.data !== undefined) {
      await endSession(this.data);
      this.data = undefined;
    }
    this.connecting ??= (async () => {
      const s = await this.open(`state ${this.workspace}`).catch((err: unknown) => {
        if (lost === undefined || !(err instanceof UserError)) throw err;
        throw new UserError(
          `The connection to the pg state backend (${this.where}) was lost while this command ran ` +
            `(${redact(lost.message, this.connectionString)}), and reconnecting failed: ${err.message}`,
          'The server restarted or the network dropped. What an apply finished before that is journaled: run ' +
            'the command again once the server is back, and it is folded in.',
        );
      });
      try {
        await ensureTables(s.client, this.tables);
      } catch (err) {
        await endSession(s);
        throw queryError(
          err,
          `creating the state tables in schema ${quoteIdent(this.tables.schema)}`,
          this.where,
          this.connectionString,
        );
      }
      return s;
    })().finally(() => {
      this.connecting = undefined;
    });
    this.data = await this.connecting;
    return this.data;
  }

  private async open(purpose: string): Promise<PgSession> {
    const why = this.connectionStringError;
    if (this.connectionString === '' && why !== undefined) throw new UserError(why.message, why.hint);
    return openSession(this.connectionString, purpose, this.where);
  }

  /** Runs `fn` on the data session; failures become user errors naming what was being done. */
  private async run<T>(doing: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const s = await this.session();
    try {
      return await fn(s.client);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw queryError(s.lost ?? err, doing, this.where, this.connectionString);
    }
  }

  private transaction<T>(doing: string, begin: string, fn: (c: Client) => Promise<T>): Promise<T> {
    return this.run(doing, async (c) => {
      await c.query(begin);
      try {
        const out = await fn(c);
        await c.query('commit');
        return out;
      } catch (err) {
        await c.query('rollback').catch(() => undefined);
        throw err;
      }
    });
  }

  /**
   * Continues the journal when it belongs to `base` (an apply resuming after a crash recovered it), and
   * starts a new one, in one transaction, when there is none or it is stale.
   */
  private async openJournal(
    base: JournalBase,
    guard: string | null,
  ): Promise<{ base: JournalBase; next: number }> {
    let headerBytes = 0;
    const opened = await this.transaction('opening the journal', 'begin', async (c) => {
      const head = await c.query<{ entry: string }>(
        `select entry from ${this.tables.journal} where workspace = $1 and seq = 0 for update`,
        [this.workspace],
      );
      if (head.rows[0] !== undefined) {
        const parsed = parseJournal(withNewline(head.rows[0].entry), this.journalWhere, this.hints);
        const fit = parsed.header === null ? 'stale' : journalFit(parsed.header, base);
        if (fit === 'foreign') {
          throw foreignJournalError(this.journalWhere, parsed.header!, base, this.where, this.hints);
        }
        if (fit === 'applies') {
          const last = await c.query<{ last: string }>(
            `select max(seq) as last from ${this.tables.journal} where workspace = $1`,
            [this.workspace],
          );
          return { base, next: Number(last.rows[0].last) + 1 };
        }
      }
      await c.query(`delete from ${this.tables.journal} where workspace = $1`, [this.workspace]);
      const header = journalHeaderLine(base);
      await this.insertJournalRow(c, 0, base, header, guard);
      headerBytes = Buffer.byteLength(header, 'utf8');
      return { base, next: 1 };
    });
    this.bytesWritten.journal += headerBytes;
    return opened;
  }

  /** One row; refused (nothing written) when this instance holds a lock that is no longer its own. */
  private async insertJournalRow(
    c: Client,
    seq: number,
    base: JournalBase,
    line: string,
    guard: string | null,
  ): Promise<void> {
    const r = await c.query(
      `insert into ${this.tables.journal} (workspace, seq, lineage, serial, entry)
       select $1, $2, $3, $4, $5 where $6::text is null or ${this.stillHeld('$6', '$7', '$8')}`,
      [this.workspace, seq, base.lineage, base.serial, line, guard, this.key.classid, this.key.objid],
    );
    if (r.rowCount === 0) throw this.lostLock();
  }

  /**
   * SQL that is true while the lock row of workspace `$1` with id `id` names a session that still holds the
   * workspace's advisory lock: the fence of every write made under a lock. A row alone is not enough: it
   * outlives its session when the server restarts.
   */
  private stillHeld(id: string, classid: string, objid: string): string {
    return `exists (select 1 from ${this.tables.locks} l join pg_catalog.pg_locks k on k.pid = l.pid
      where l.workspace = $1 and l.id = ${id}::text and k.locktype = 'advisory' and k.granted
        and k.objsubid = 1 and k.classid = ${classid}::oid and k.objid = ${objid}::oid
        and k.database = (select oid from pg_catalog.pg_database where datname = current_database()))`;
  }

  /** The lock id writes must be fenced with, or null when this instance holds no lock. */
  private lockGuard(): string | null {
    const held = this.held;
    if (held === undefined || held.released) return null;
    if (held.session.lost !== undefined) throw this.lostLock();
    return held.info.id;
  }

  private lostLock(): UserError {
    const id = this.held?.info.id ?? 'unknown';
    return new UserError(
      `The state lock on ${this.where} was lost while this command ran (lock ID ${id})`,
      'Its Postgres session ended: the server restarted, the connection dropped, or someone ran ' +
        "`backflow force-unlock`. Nothing more was written, so no other run's work is overwritten. Run the " +
        'command again: what was journaled before is folded in.',
    );
  }

  private async release(held: HeldLock): Promise<void> {
    if (held.released) return;
    held.released = true;
    if (this.held === held) this.held = undefined;
    if (held.session.lost === undefined) {
      try {
        // The row first, then the lock: the next holder's row is never deleted by us.
        await held.session.client.query(`delete from ${this.tables.locks} where workspace = $1 and id = $2`, [
          this.workspace,
          held.info.id,
        ]);
        await held.session.client.query('select pg_advisory_unlock($1::bigint)', [this.key.key]);
      } catch {
        // The session is gone, and the advisory lock with it; ending it below is all that is left.
      }
    }
    await endSession(held.session);
  }

  private parse(body: string, serial: number): StateFile {
    return parseState(
      body,
      this.where,
      "Every earlier version of this workspace's state is kept as a backup: list them with " +
        '`backflow state history`, and restore one with `backflow state rollback SERIAL` (it is written as a ' +
        'new serial; nothing is deleted).',
      `State serial ${serial} of ${this.where}`,
    );
  }
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}
