/**
 * The data plane's contract with a warehouse: change tracking per sync, pushed down to the warehouse.
 *
 * Everything lives in the source's managed schema (the user's rows never leave their warehouse except to
 * be delivered):
 *
 * | table                 | one per   | holds                                                               |
 * |-----------------------|-----------|---------------------------------------------------------------------|
 * | `backflow_runs`       | schema    | the run ledger: one row per run, its status and counts              |
 * | `records_<sync>`      | sync      | what the destination has: `record_id`, `checksum`, status, error     |
 * | `rejections_<sync>`   | sync      | every row a destination rejected, with the run and the reason        |
 * | `plan_<sync>`         | sync      | the current run's immutable plan: seq, op, record id, checksum,      |
 * |                       |           | the delivered columns, and each row's outcome once known            |
 *
 * The runner (src/runs) never writes SQL: it calls these methods, and each dialect folder implements them
 * in its own SQL (hash function, string cast, set difference, its limits). Every dialect passes the shared
 * data-plane suite in test/integration/tracking/.
 */

/** A sync's tracking tables: the managed schema and the sync's name. */
export interface TrackingTarget {
  schema: string;
  sync: string;
}

/** What a run plans. `retry`: a row rejected before and still present, re-sent in its current version. */
export type PlannedOp = 'add' | 'change' | 'remove' | 'retry';

export const PLANNED_OPS: readonly PlannedOp[] = ['add', 'change', 'retry', 'remove'];

export type OpCounts = Record<PlannedOp, number>;

export function zeroCounts(): OpCounts {
  return { add: 0, change: 0, remove: 0, retry: 0 };
}

export interface RunSpec extends TrackingTarget {
  runId: string;
  /** The model's effective SQL (a query, or `select * from` the dbt relation). */
  modelSql: string;
  /** Column identifying a row; its text form is the record id. */
  primaryKey: string;
  /**
   * Model columns delivered and covered by the checksum (with the primary key), in a stable order: the
   * mapped columns, or every column of the model when the sync maps none.
   */
  columns: string[];
  mode: 'upsert' | 'mirror';
  /** Plan every present row as `add` (the destination gets everything again); tracking is kept. */
  fullResync: boolean;
}

/** What `planRun` found, counted in the warehouse. */
export interface PlanCounts {
  planned: OpCounts;
  /** Rows of the model (including skipped ones). */
  modelRows: number;
  /** Rows whose primary key is null: skipped, never sent. */
  nullKeys: number;
  /** Distinct record ids that occur more than once: rejected (reason recorded), never sent. */
  duplicateKeys: number;
}

export interface PlannedRow {
  seq: number;
  op: PlannedOp;
  recordId: string;
  /** Checksum of the row's current version; null for `remove`. */
  checksum: string | null;
  /** The delivered columns, JSON-safe; null for `remove`. */
  values: Record<string, unknown> | null;
}

/** A destination's verdict on one planned row. */
export interface RowOutcome {
  seq: number;
  recordId: string;
  op: PlannedOp;
  checksum: string | null;
  accepted: boolean;
  /** Why it was rejected (the destination's words, never a secret). */
  reason?: string;
}

export type RunStatus = 'running' | 'succeeded' | 'partial' | 'failed';

/** One row of the run ledger (`backflow_runs`). */
export interface RunRecord {
  runId: string;
  sync: string;
  /** What started it: `manual`, `schedule`, `dbt_cloud:<job>/<run>`, `after_sync:<sync>`, … */
  trigger: string;
  status: RunStatus;
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string | null;
  planned: OpCounts;
  accepted: OpCounts;
  rejected: OpCounts;
  nullKeys: number;
  duplicateKeys: number;
  /** Why a run failed, or the first rejection reasons of a partial one. Never a secret. */
  error: string | null;
}

export interface Rejection {
  runId: string;
  recordId: string;
  op: PlannedOp;
  reason: string;
  /** ISO 8601. */
  rejectedAt: string;
}

export interface SyncTracking {
  /** Statements sent so far (benchmarks prove the count does not grow with rows). */
  readonly statements: number;

  /** Creates the ledger, records and rejections tables when missing. Idempotent. */
  ensureTables(target: TrackingTarget): Promise<void>;
  /** Drops every table of the sync (its ledger rows stay: they are history). Idempotent. */
  dropTables(target: TrackingTarget): Promise<void>;
  /** Forgets what the destination has: the next run plans every row as added. */
  resetTracking(target: TrackingTarget): Promise<void>;
  /**
   * The sync's tracking tables (records, rejections) that are not there as tables, by name: empty when
   * both exist. Read-only (`backflow import` checks what it adopts with it).
   */
  missingTables(target: TrackingTarget): Promise<string[]>;

  /**
   * Stages the model (record id, checksum, columns) and materialises the run's plan, ordered: adds,
   * changes and retries by record id, then removals (mirror mode). Duplicate keys are written to the
   * rejections table. All in the warehouse: no model row passes through Node.
   */
  planRun(spec: RunSpec): Promise<PlanCounts>;
  /**
   * `sync run --dry-run`: plans as `planRun` would and returns the counts and up to `sample` rows of each
   * operation, then undoes everything (nothing is recorded, no table is left behind).
   */
  dryRun(spec: RunSpec, sample: number): Promise<{ counts: PlanCounts; samples: PlannedRow[] }>;
  /** The plan's counts again (a resumed run). */
  planCounts(target: TrackingTarget, runId: string): Promise<PlanCounts | undefined>;
  /**
   * Up to `limit` rows of the plan with `seq > afterSeq` and no outcome yet, in seq order: keyset paging,
   * so memory stays bounded whatever the plan's size.
   */
  readPlan(target: TrackingTarget, runId: string, afterSeq: number, limit: number): Promise<PlannedRow[]>;
  /**
   * Durably records the outcomes of one delivered batch, before the next batch is acknowledged as done:
   * accepted rows take their new checksum in the records table (accepted removals leave it); rejected rows
   * keep their old checksum, are marked `rejected` with the reason, and get a rejections row. Re-running it
   * with the same outcomes is harmless (a crash between its statements re-sends, never loses).
   */
  commitBatch(target: TrackingTarget, runId: string, outcomes: RowOutcome[]): Promise<void>;
  /** Drops the plan of a finished run. */
  finishPlan(target: TrackingTarget, runId: string): Promise<void>;

  /** Ledger. */
  insertRun(schema: string, run: RunRecord): Promise<void>;
  updateRun(schema: string, run: RunRecord): Promise<void>;
  /** Newest first. */
  listRuns(schema: string, sync: string | undefined, limit: number): Promise<RunRecord[]>;
  getRun(schema: string, runId: string): Promise<RunRecord | undefined>;
  /** The run of `sync` left `running` by a process that died, if any (the caller holds the sync's lock). */
  unfinishedRun(schema: string, sync: string): Promise<RunRecord | undefined>;
  /** Rejections of one run (or the latest, newest first), at most `limit`. */
  rejections(target: TrackingTarget, runId: string | undefined, limit: number): Promise<Rejection[]>;
}

/** Table names as the shared picture names them; a dialect may fit them to its identifier limits. */
export const RUNS_TABLE = 'backflow_runs';
export const recordsTableName = (sync: string): string => `records_${sync}`;
export const rejectionsTableName = (sync: string): string => `rejections_${sync}`;
export const planTableName = (sync: string): string => `plan_${sync}`;

/**
 * Internal columns of the plan table. Model columns may not start with `__bf_`, so they never collide.
 */
export const PLAN_COLUMN_PREFIX = '__bf_';
