/**
 * The persisted state of a workspace: every managed object with the attributes it was applied with and
 * what the real world computed for it. Secrets appear only as SensitiveValue markers with fingerprints.
 */
import type { ResourceType } from '../graph/address';

export const STATE_FORMAT_VERSION = 1;

export interface ResourceState {
  type: ResourceType;
  name: string;
  /** Attributes as applied (config shape, secrets as fingerprinted markers). */
  attributes: Record<string, unknown>;
  /** Values read from the real world: server version, columns, SQL hash, commit SHA, ... */
  computed: Record<string, unknown>;
  /** Addresses this resource depended on when applied: destroy runs in the reverse order. */
  dependencies: string[];
  /**
   * Set on a sync that an orchestrated model change paused: the sync is inactive until resumed.
   * Persisted so that a crash between pause and resume is visible and recoverable.
   */
  paused_by?: string;
  /**
   * Set while the object is being created: journaled before the create starts, cleared when it finishes.
   * A crash in between leaves it set, so the next plan replaces (or deletes) an object that may half-exist
   * instead of forgetting it — nothing is orphaned in the warehouse.
   */
  tainted?: boolean;
  /**
   * The name the object's warehouse-side tracking is kept under (a model's snapshot, a sync's tracking
   * tables and run records), set by `state mv` to the name it had before: renaming an address must not
   * start change tracking over. Absent means the resource's own name.
   */
  tracking_key?: string;
}

export interface StateFile {
  format_version: number;
  /** Version of Backflow that last wrote the state. */
  backflow_version: string;
  /** Random id fixed at creation: two states with different lineages are different workspaces. */
  lineage: string;
  /** Incremented on every write. */
  serial: number;
  /** Random per-state key (hex) for secret fingerprints. Not a secret value itself. */
  salt: string;
  /** By address. */
  resources: Record<string, ResourceState>;
}

/**
 * The state a journal applies to. The salt is recorded too so that a journal over a state that was never
 * written (the first apply of a workspace) can be recovered with the fingerprints it was made with.
 */
export type JournalBase = Pick<StateFile, 'lineage' | 'serial' | 'salt'>;

/** One finished action, appended durably during apply before the next action starts. */
export type JournalEntry =
  { op: 'put'; address: string; resource: ResourceState } | { op: 'delete'; address: string };

export interface LockInfo {
  /** Random id; `backflow force-unlock ID` takes it. */
  id: string;
  /** Who holds it: user@host (pid N). */
  who: string;
  operation: string;
  created: string;
  /** Link to the CI run holding the lock, when the environment has one. */
  ci_url?: string;
  /** Backflow version of the holder (display only). */
  version?: string;
  /** The holder's host and process: a local lock whose process is gone from this host is taken over. */
  host?: string;
  pid?: number;
}

/** What `readWithRecovery` found. */
export interface ReadResult {
  /** Current state with the journal folded in (serial unchanged); null when there is none. */
  state: StateFile | null;
  /**
   * Journal entries of an interrupted apply folded into `state`. When non-zero the caller should write the
   * state (serial + 1) at the end of the operation, which also clears the journal.
   */
  recoveredJournalEntries: number;
}

/** One stored version of a workspace's state, newest first in `history()`. Display and rollback only. */
export interface StateVersion {
  serial: number;
  lineage: string;
  /** When it was written (ISO 8601); null when the storage does not know. */
  created_at: string | null;
  /** Backflow version that wrote it; null when unreadable. */
  backflow_version: string | null;
  /** Resources it holds; null when unreadable. */
  resources: number | null;
  /** True for the version `read()` returns. */
  current: boolean;
}

/** Payload bytes a backend has written, for benchmarks: journal bytes must not grow with the state. */
export interface BytesWritten {
  state: number;
  journal: number;
}

export interface LockHandle {
  info: LockInfo;
  release(): Promise<void>;
}

/** Storage plus locking for one workspace's state. Every backend passes the same test suite. */
export interface StateBackend {
  /** Where the state lives, for messages: a path, or pg schema/workspace. */
  describe(): string;
  /** Takes the workspace lock or throws StateLockedError naming the holder. */
  lock(operation: string): Promise<LockHandle>;
  /**
   * Removes a lock whose holder died or is stuck (pg: also ends the holder's session, so it can write no
   * more). Throws when `id` does not match the current lock.
   */
  forceUnlock(id: string): Promise<void>;
  /** The current state with any journal of an interrupted apply folded in; null when there is none. */
  read(): Promise<StateFile | null>;
  /** Like `read`, and says how many journal entries of an interrupted apply were folded in. */
  readWithRecovery(): Promise<ReadResult>;
  /** Writes a whole state atomically (serial already bumped by the caller) and clears the journal. */
  write(state: StateFile): Promise<void>;
  /** Appends one finished action durably; `base` identifies the state the journal applies to. */
  appendJournal(base: JournalBase, entry: JournalEntry): Promise<void>;
  /**
   * Appends several finished actions with one durable write (one `write` + one `fdatasync` for the local
   * backend), in order. Optional: SyncState falls back to one appendJournal per entry.
   */
  appendJournalEntries?(base: JournalBase, entries: readonly JournalEntry[]): Promise<void>;
  /**
   * The versions this backend keeps, newest (current) first: every version for pg, the current state and
   * its `.backup` for local. Empty when there is no state.
   */
  history(): Promise<StateVersion[]>;
  /** A kept version by serial (journal not folded in); null when no such version is kept. */
  readVersion(serial: number): Promise<StateFile | null>;
  /** Counters since this instance was created. */
  readonly bytesWritten: BytesWritten;
  close(): Promise<void>;
}
