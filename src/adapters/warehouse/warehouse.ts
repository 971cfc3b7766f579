/**
 * The contract every warehouse adapter implements (one folder per warehouse, in the manner of Kysely's
 * dialects). The engine only ever talks to this interface; it never imports a driver.
 */

import type { SyncTracking } from './tracking';

/** Connection settings with secrets already revealed. Never log this object. */
export type WarehouseSettings = Record<string, unknown>;

export interface ConnectionInfo {
  server_version: string;
  current_user: string;
  database: string;
}

export interface GrantCheck {
  /** Whether the managed schema exists (after ensureManagedSchema it should). */
  schema_exists: boolean;
  /** Exact statements an admin must run for Backflow to work; empty when all is granted. */
  missing_grants: string[];
}

/** A relation to introspect: `schema` may be omitted for the connection's default search path. */
export interface RelationRef {
  database?: string;
  schema: string;
  name: string;
}

export interface Column {
  name: string;
  /** Type as the warehouse names it. */
  type: string;
}

/** A SQL model's query, described without being run. */
export interface QueryRef {
  id: string;
  sql: string;
}

export interface IntrospectionRequest {
  relations: RelationRef[];
  queries: QueryRef[];
}

export interface IntrospectionResult {
  /** Keyed by `relationKey(ref)`; a relation that does not exist is absent. */
  relations: Map<string, Column[]>;
  /** Keyed by query id: the columns it returns, or the warehouse's error for it. */
  queries: Map<string, { columns: Column[] } | { error: string }>;
}

export interface PreviewResult {
  columns: Column[];
  /** Rows as JSON-safe values, at most `limit`. */
  rows: Record<string, unknown>[];
}

export interface PrimaryKeyCheck {
  total: number;
  distinct: number;
  nulls: number;
}

export interface PrimaryKeyRequest {
  sql: string;
  column: string;
}

export interface WarehouseAdapter {
  readonly warehouse: string;
  /** Round trips to the warehouse so far (benchmarks prove refresh cost does not grow with models). */
  readonly roundTrips: number;
  testConnection(): Promise<ConnectionInfo>;
  /** Creates the managed schema when missing (Backflow owns it: change-tracking snapshots live there). */
  ensureManagedSchema(schema: string): Promise<void>;
  checkGrants(schema: string): Promise<GrantCheck>;
  /** Relations and query columns of every model of a source, in one round trip. */
  introspect(request: IntrospectionRequest): Promise<IntrospectionResult>;
  preview(sql: string, limit: number): Promise<PreviewResult>;
  /** Uniqueness and nulls of `column` in `sql`, pushed down to the warehouse. */
  checkPrimaryKey(sql: string, column: string): Promise<PrimaryKeyCheck>;
  /**
   * The same checks for many models at once, in few round trips (optional: without it, the engine calls
   * checkPrimaryKey once per model). One result per request, in order: the check, or the error that
   * checkPrimaryKey would have thrown for it.
   */
  checkPrimaryKeys?(requests: readonly PrimaryKeyRequest[]): Promise<(PrimaryKeyCheck | Error)[]>;
  /** Change-tracking snapshot of a model: created on create, emptied on reset, dropped on delete. */
  createSnapshot(schema: string, model: string): Promise<void>;
  resetSnapshot(schema: string, model: string): Promise<void>;
  dropSnapshot(schema: string, model: string): Promise<void>;
  /** The snapshot table's name for `model` as this warehouse stores it (length limits, case). */
  snapshotTable(model: string): string;
  /** Change tracking of syncs (the data plane): see tracking.ts. */
  tracking(): SyncTracking;
  /** SQL that selects everything from a relation, quoted in this dialect. */
  selectAll(ref: RelationRef): string;
  close(): Promise<void>;
}

/** One part of a dotted name as written in SQL: quoted names keep their case, others fold the dialect's way. */
export interface NamePart {
  text: string;
  quoted: boolean;
}

/**
 * A schema the source's models read (from their SQL, or their resolved dbt relations). `database` is the
 * database, project or catalog when the relation names one; without `schema`, the connection's default.
 */
export interface ReadSchema {
  database?: NamePart;
  schema?: NamePart;
}

/** Per-warehouse entry point: settings validation help, setup SQL, and a lazily loaded adapter. */
export interface WarehouseDialect {
  readonly warehouse: string;
  /**
   * Least-privilege setup an admin runs: role/user, grants (read on `reads`, the schemas the models read,
   * besides the settings' own), managed schema.
   */
  setupSql(settings: WarehouseSettings, managedSchema: string, reads?: readonly ReadSchema[]): string;
  /** Opens a connection. Vendor SDKs are imported inside, so unused warehouses are never loaded. */
  connect(settings: WarehouseSettings): Promise<WarehouseAdapter>;
}

export function relationKey(ref: RelationRef): string {
  return [ref.database ?? '', ref.schema, ref.name].join('\u0000');
}

/** Name of a model's change-tracking snapshot table inside the managed schema. */
export function snapshotTableName(model: string): string {
  return `snapshot_${model}`;
}
