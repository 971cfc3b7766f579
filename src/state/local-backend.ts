/**
 * State in a local file (`.backflow/state.json` by default), next to which live:
 *   `<path>.backup`  the previous state, kept by every write;
 *   `<path>.lock`    the lock, created exclusively, naming its holder;
 *   `<path>.journal` actions of the apply in progress (see journal.ts), removed by the next write.
 *
 * File operations are synchronous on purpose: each journal line goes out in one write with nothing
 * interleaved, and the async methods of StateBackend stay trivially ordered. The one exception is the
 * journal's fdatasync, which runs off the event loop (the apply keeps talking to the warehouse meanwhile);
 * appends never overlap (SyncState runs them one at a time), and the journal is closed only after it.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type { LocalBackendConfig } from '../config/desired';
import { UserError } from '../errors';
import { MAX_STATE_BYTES } from '../input/input-limits';
import { readBoundedFileIfExists } from '../input/read-bounded-file';
import { BACKFLOW_VERSION } from '../version';
import { fsyncDir, replaceFileDurably, storageProblem, writeAll } from './durable-fs';
import {
  foreignJournalError,
  journalEntryLine,
  journalFit,
  journalHeaderLine,
  parseJournal,
  recoverFromJournal,
  sameBase,
} from './journal';
import { isStaleLocalLock, newLockInfo, stateLockedError } from './lock-info';
import { checkSuccessor } from './successor';
import { backupHint, parseState, serializeState } from './state';
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
export interface LocalBackendOptions {
  /** Keep trying to take the lock this long before failing (default 0: fail at once). */
  lockTimeoutMs?: number;
  /** Pause between attempts while waiting for the lock. */
  lockRetryMs?: number;
}

const fdatasync = promisify(fs.fdatasync);

export class LocalBackend implements StateBackend {
  readonly path: string;
  readonly backupPath: string;
  readonly lockPath: string;
  readonly journalPath: string;
  readonly bytesWritten: BytesWritten = { state: 0, journal: 0 };
  private readonly lockTimeoutMs: number;
  private readonly lockRetryMs: number;
  /** Open between appends of one apply, so an append is one write plus one fdatasync. */
  private journal: { fd: number; base: JournalBase } | undefined;
  /** The journal's fdatasync in progress (settled, never rejecting): the fd stays open until it is done. */
  private syncing: Promise<void> | undefined;

  constructor(config: Pick<LocalBackendConfig, 'path'>, options: LocalBackendOptions = {}) {
    this.path = config.path;
    this.backupPath = `${config.path}.backup`;
    this.lockPath = `${config.path}.lock`;
    this.journalPath = `${config.path}.journal`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 0;
    this.lockRetryMs = options.lockRetryMs ?? 100;
  }

  describe(): string {
    return this.path;
  }

  async lock(operation: string): Promise<LockHandle> {
    return this.storing('take the state lock', () => this.takeLock(operation));
  }

  private async takeLock(operation: string): Promise<LockHandle> {
    fs.mkdirSync(dirname(this.lockPath), { recursive: true });
    const info = newLockInfo(operation);
    const deadline = Date.now() + this.lockTimeoutMs;
    while (!this.tryCreateLock(info)) {
      if (this.takeOverStaleLock()) continue;
      const left = deadline - Date.now();
      if (left <= 0) throw stateLockedError(this.path, this.readLock());
      await sleep(Math.min(this.lockRetryMs, left));
    }
    return { info, release: async () => this.releaseIfOurs(info.id) };
  }

  async forceUnlock(id: string): Promise<void> {
    if (!fs.existsSync(this.lockPath)) {
      throw new UserError(`No lock is held on the state in ${this.path}`, 'There is nothing to unlock.');
    }
    const current = this.readLock();
    if (current === undefined) {
      throw new UserError(
        `The lock file ${this.lockPath} cannot be read, so its ID cannot be checked`,
        `If you are sure its holder is gone, remove it by hand: rm ${this.lockPath}`,
      );
    }
    if (current.id !== id) {
      throw new UserError(
        `Lock ID ${id} does not match the lock on ${this.path}, whose ID is ${current.id} (held by ${current.who})`,
        'Copy the ID from the "Error acquiring the state lock" message of the run that met the lock.',
      );
    }
    fs.rmSync(this.lockPath, { force: true });
  }

  async read(): Promise<StateFile | null> {
    return (await this.readWithRecovery()).state;
  }

  async readWithRecovery(): Promise<ReadResult> {
    const state = this.readStateFile();
    const journal = readIfExists(this.journalPath);
    if (journal === undefined) return { state, recoveredJournalEntries: 0 };
    const parsed = parseJournal(journal.toString('utf8'), this.journalPath);
    return recoverFromJournal(state, parsed, this.journalPath, this.path);
  }

  async write(state: StateFile): Promise<void> {
    return this.storing('write the state', () => this.writeState(state));
  }

  private async writeState(state: StateFile): Promise<void> {
    await this.syncing;
    this.closeJournal();
    const current = this.readStateFile();
    if (current !== null) checkSuccessor(current, state, this.path);
    const text = serializeState({
      ...state,
      format_version: STATE_FORMAT_VERSION,
      backflow_version: BACKFLOW_VERSION,
    });
    this.bytesWritten.state += replaceFileDurably(this.path, text, { backupPath: this.backupPath });
    // Only now is the journal folded in durably. Should its removal be lost to a crash, the journal is
    // behind the new serial and reads ignore it (journal.ts).
    fs.rmSync(this.journalPath, { force: true });
  }

  async appendJournal(base: JournalBase, entry: JournalEntry): Promise<void> {
    return this.appendJournalEntries(base, [entry]);
  }

  /** Every entry's line in one write and one fdatasync: a torn write leaves a torn last line, which reads drop. */
  async appendJournalEntries(base: JournalBase, entries: readonly JournalEntry[]): Promise<void> {
    return this.storing('record a finished action in the journal', () => this.append(base, entries));
  }

  private async append(base: JournalBase, entries: readonly JournalEntry[]): Promise<void> {
    if (this.journal === undefined || !sameBase(this.journal.base, base)) this.openJournal(base);
    const fd = (this.journal as { fd: number }).fd;
    const lines = Buffer.from(entries.map(journalEntryLine).join(''), 'utf8');
    writeAll(fd, lines);
    // The sync runs off the event loop: warehouse replies are read and the next statements sent while the
    // disk works, and actions finishing meanwhile join the next group. Appends still run one at a time
    // (SyncState), and every caller waits for its lines to be durable.
    const synced = fdatasync(fd);
    this.syncing = synced.then(
      () => undefined,
      () => undefined,
    );
    await synced;
    this.bytesWritten.journal += lines.length;
  }

  /** The local backend keeps two versions: the state and its `.backup`. */
  async history(): Promise<StateVersion[]> {
    const current = this.readStateFile();
    if (current === null) return [];
    const versions = [versionOf(current, this.path, true)];
    const backup = this.readBackupFile();
    if (backup !== null && backup.lineage === current.lineage && backup.serial < current.serial) {
      versions.push(versionOf(backup, this.backupPath, false));
    }
    return versions;
  }

  async readVersion(serial: number): Promise<StateFile | null> {
    const current = this.readStateFile();
    if (current?.serial === serial) return current;
    const backup = this.readBackupFile();
    return backup?.serial === serial ? backup : null;
  }

  async close(): Promise<void> {
    await this.syncing;
    this.closeJournal();
  }

  // --- internals ---

  /** Runs a write; a full, read-only or failing state folder becomes a UserError saying what to do. */
  private async storing<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const problem = storageProblem(err);
      if (problem === undefined) throw err;
      throw new UserError(
        `Cannot ${doing} in ${dirname(this.path)}: ${problem}`,
        `Backflow keeps the state in ${this.path}. Free space or make the folder writable (or set ` +
          'backend.path to a folder that is), then run the command again. No temporary file was left behind.',
      );
    }
  }

  private readStateFile(): StateFile | null {
    const text = readIfExists(this.path);
    if (text === undefined) return null;
    const hint = fs.existsSync(this.backupPath)
      ? backupHint(this.path)
      : `There is no backup (${this.backupPath} does not exist): the state was written only once. ` +
        'Fix the file by hand, or move it aside and import the objects again.';
    return parseState(text, this.path, hint);
  }

  /** The backup, or null when there is none or it cannot be read (it is a convenience, not the state). */
  private readBackupFile(): StateFile | null {
    const text = readIfExists(this.backupPath);
    if (text === undefined) return null;
    try {
      return parseState(text, this.backupPath);
    } catch {
      return null;
    }
  }

  /**
   * Continues the journal when it belongs to `base` (an apply resuming after a crash recovered it), and
   * starts a new one when there is none or it is stale.
   */
  private openJournal(base: JournalBase): void {
    this.closeJournal();
    const existing = readIfExists(this.journalPath);
    if (existing !== undefined) {
      // Drop a torn last line, so the next line does not start in the middle of it.
      const complete = existing.lastIndexOf(0x0a) + 1;
      const parsed = parseJournal(existing.subarray(0, complete).toString('utf8'), this.journalPath);
      const fit = parsed.header === null ? 'stale' : journalFit(parsed.header, base);
      if (fit === 'foreign') throw foreignJournalError(this.journalPath, parsed.header!, base, this.path);
      if (fit === 'applies') {
        if (complete < existing.length) fs.truncateSync(this.journalPath, complete);
        this.journal = { fd: fs.openSync(this.journalPath, 'a'), base };
        return;
      }
    }
    // The header goes in atomically: a journal is either absent or has a whole header.
    this.bytesWritten.journal += replaceFileDurably(this.journalPath, journalHeaderLine(base));
    this.journal = { fd: fs.openSync(this.journalPath, 'a'), base };
  }

  private closeJournal(): void {
    if (this.journal === undefined) return;
    fs.closeSync(this.journal.fd);
    this.journal = undefined;
  }

  /**
   * The lock file appears whole or not at all: it is written and synced under a name of this process's
   * own, then hard-linked to the lock path (link fails with EEXIST when another holder is there). A
   * process killed between creating and writing the file (kill -9 on a loaded machine) would otherwise
   * leave an empty lock that names no holder, which nobody could judge stale.
   */
  private tryCreateLock(info: LockInfo): boolean {
    const pending = `${this.lockPath}.new-${process.pid}`;
    const fd = fs.openSync(pending, 'w');
    try {
      writeAll(fd, Buffer.from(JSON.stringify(info, null, 2) + '\n', 'utf8'));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(pending, this.lockPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      fs.rmSync(pending, { force: true });
      this.removeDeadPendingLocks();
    }
    fsyncDir(dirname(this.lockPath));
    return true;
  }

  /** Pending lock files of processes killed before they linked theirs (`<lock>.new-<pid>`, pid gone). */
  private removeDeadPendingLocks(): void {
    const dir = dirname(this.lockPath);
    const prefix = `${this.lockPath.slice(dir.length + 1)}.new-`;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length));
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      try {
        process.kill(pid, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(`${dir}/${name}`, { force: true });
      }
    }
  }

  /**
   * Removes a lock whose holder died on this host. The file is first renamed to a name of our own, then
   * checked again: if another process took over and locked in between, its lock is put back untouched.
   */
  private takeOverStaleLock(): boolean {
    const holder = this.readLock();
    if (holder === undefined || !isStaleLocalLock(holder)) return false;
    const aside = `${this.lockPath}.stale-${process.pid}-${Date.now()}`;
    try {
      fs.renameSync(this.lockPath, aside);
    } catch {
      return false; // someone else moved it first
    }
    const moved = readIfExists(aside)?.toString('utf8') ?? '';
    let movedId: string | undefined;
    try {
      movedId = (JSON.parse(moved) as LockInfo).id;
    } catch {
      movedId = undefined;
    }
    if (movedId !== holder.id) {
      // Not the stale lock we judged: restore it (link fails, keeping theirs, if one appeared meanwhile).
      try {
        fs.linkSync(aside, this.lockPath);
      } catch {
        // a newer lock holds the path; ours to discard
      }
      fs.rmSync(aside, { force: true });
      return false;
    }
    fs.rmSync(aside, { force: true });
    process.stderr.write(`Took over the state lock of ${holder.who}, which is no longer running.\n`);
    return true;
  }

  /** The holder, or undefined when the lock is absent, half-written or damaged. */
  private readLock(): LockInfo | undefined {
    const text = readIfExists(this.lockPath);
    if (text === undefined) return undefined;
    try {
      const info = JSON.parse(text.toString('utf8')) as LockInfo;
      return typeof info.id === 'string' ? info : undefined;
    } catch {
      return undefined;
    }
  }

  /** After a force-unlock someone else may hold the lock now: never remove theirs. */
  private releaseIfOurs(id: string): void {
    if (this.readLock()?.id === id) fs.rmSync(this.lockPath, { force: true });
  }
}

function versionOf(state: StateFile, path: string, current: boolean): StateVersion {
  return {
    serial: state.serial,
    lineage: state.lineage,
    created_at: fs.statSync(path).mtime.toISOString(),
    backflow_version: state.backflow_version,
    resources: Object.keys(state.resources).length,
    current,
  };
}

/** The state, its backup, journal or lock: regular files of bounded size only (see src/input). */
function readIfExists(path: string): Buffer | undefined {
  return readBoundedFileIfExists(path, {
    what: 'State file',
    maxBytes: MAX_STATE_BYTES,
    fix: 'The state folder holds only files Backflow wrote; restore the file from its .backup, or move the entry aside.',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
