/**
 * The Postgres WarehouseAdapter: composes the driver (session, round trips), the SQL helpers (quoting),
 * the introspector (one-round-trip metadata) and the grants rules. Every failure leaves as a UserError
 * that names what was being done and never the password.
 */
import type {
  Column,
  ConnectionInfo,
  GrantCheck,
  IntrospectionRequest,
  IntrospectionResult,
  PreviewResult,
  PrimaryKeyCheck,
  PrimaryKeyRequest,
  RelationRef,
  WarehouseAdapter,
} from '../warehouse';
import { snapshotTableName } from '../warehouse';
import { advisoryLock, batchedDdl, type RunDdl } from './postgres-ddl';
import type { PgModule, PostgresSession } from './postgres-driver';
import { PostgresDriver } from './postgres-driver';
import { connectionError, queryError } from './postgres-errors';
import { GRANTS_QUERY, missingGrants, type GrantsRow } from './postgres-grants';
import { PostgresIntrospector } from './postgres-introspector';
import { PrimaryKeyChecks } from './postgres-primary-keys';
import type { PostgresSettings } from './postgres-settings';
import { asSubquery, fitIdentifier, qualifiedName, quoteIdent } from './postgres-sql';
import { BUILTIN_TYPE_NAMES, jsonSafeTypes } from './postgres-values';
import { assertPreviewLimit } from '../preview-limit';
import { SnapshotDdl, SnapshotTables } from '../snapshot-ddl';
import { ensureManagedSchema } from './postgres-managed-schema';
import { PostgresTracking } from './postgres-tracking';
import type { SyncTracking } from '../tracking';

/** Columns of a model's change-tracking snapshot table. */
const SNAPSHOT_COLUMNS = `  pk text primary key,
  row_hash text not null,
  synced_at timestamptz not null default now()`;

function primaryKeySql(sql: string, column: string): string {
  const col = quoteIdent(column);
  return `select count(*)::text as total, count(distinct ${col})::text as distinct, count(*) filter (where ${col} is null)::text as nulls
  from ${asSubquery(sql)}`;
}

export class PostgresAdapter extends SnapshotTables implements WarehouseAdapter {
  readonly warehouse: string = 'postgres';
  private readonly driver: PostgresDriver;
  private readonly introspector: PostgresIntrospector;
  private readonly keys: PrimaryKeyChecks;
  private readonly ddl: RunDdl;

  constructor(
    private readonly pg: PgModule,
    private readonly settings: PostgresSettings,
  ) {
    super();
    this.driver = new PostgresDriver(pg, settings);
    this.introspector = new PostgresIntrospector(this.driver);
    this.keys = new PrimaryKeyChecks(this.driver, primaryKeySql, (err, doing) =>
      queryError(err, settings, doing),
    );
    this.ddl = batchedDdl(this.driver, (err, doing) => queryError(err, settings, doing));
  }

  get roundTrips(): number {
    return this.driver.roundTrips;
  }

  async testConnection(): Promise<ConnectionInfo> {
    try {
      const { rows } = await this.driver.read<{
        version: string;
        current_user: string;
        current_database: string;
      }>(
        'select pg_catalog.version() as version, current_user::text as current_user, pg_catalog.current_database()::text as current_database',
      );
      const row = rows[0];
      return { server_version: row.version, current_user: row.current_user, database: row.current_database };
    } catch (err) {
      throw connectionError(err, this.settings);
    }
  }

  async ensureManagedSchema(schema: string): Promise<void> {
    await ensureManagedSchema(this.driver, schema, this.settings, (err, doing) =>
      queryError(err, this.settings, doing),
    );
  }

  async checkGrants(schema: string): Promise<GrantCheck> {
    const { rows } = await this.read<GrantsRow>('checking grants', GRANTS_QUERY, [schema]);
    return missingGrants(rows[0], schema);
  }

  async introspect(request: IntrospectionRequest): Promise<IntrospectionResult> {
    try {
      return await this.introspector.introspect(request);
    } catch (err) {
      throw queryError(err, this.settings, 'reading relations and model columns');
    }
  }

  async preview(sql: string, limit: number): Promise<PreviewResult> {
    assertPreviewLimit(limit);
    const text = `select * from ${asSubquery(sql)} limit $1`;
    try {
      // READ ONLY and rolled back: a preview must never change the warehouse, whatever the query calls.
      return await this.driver.reading(async (session) => {
        const [result] = await session.readOnly([{ text, values: [limit], types: jsonSafeTypes(this.pg) }]);
        return { columns: await this.columnsOf(session, result.fields), rows: result.rows };
      });
    } catch (err) {
      throw queryError(err, this.settings, 'previewing the query');
    }
  }

  async checkPrimaryKey(sql: string, column: string): Promise<PrimaryKeyCheck> {
    return this.keys.one(sql, column);
  }

  /** Many checks per round trip (postgres-primary-keys.ts), each model its own result or error. */
  async checkPrimaryKeys(requests: readonly PrimaryKeyRequest[]): Promise<(PrimaryKeyCheck | Error)[]> {
    return this.keys.many(requests);
  }

  /**
   * Snapshot DDL runs under a transaction-scoped advisory lock on the table's name, sent as one
   * simple-protocol message (one implicit transaction). A process killed mid-statement leaves its server
   * session running the DDL to commit; the lock makes the next apply's DDL on the same table wait for it
   * instead of racing it (a drop that ran first would let the late create orphan the table).
   */
  protected readonly snapshots = new SnapshotDdl(
    // Batched: the snapshot tables of many new models, asked for together, commit together.
    (doing, sql, { schema, model }) =>
      this.ddl([advisoryLock(`${schema}.${this.snapshotTable(model)}`), sql], doing),
    (schema, model) => this.snapshotRelation(schema, model),
    SNAPSHOT_COLUMNS,
  );

  private trackingSql: PostgresTracking | undefined;

  tracking(): SyncTracking {
    this.trackingSql ??= new PostgresTracking(this.driver, this.pg, (err, doing) =>
      queryError(err, this.settings, doing),
    );
    return this.trackingSql;
  }

  selectAll(ref: RelationRef): string {
    return `select * from ${qualifiedName(ref.schema, ref.name)}`;
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  snapshotTable(model: string): string {
    // The shared name (snapshot_<model>), made to fit Postgres' identifier limit.
    return fitIdentifier(snapshotTableName(model));
  }

  private snapshotRelation(schema: string, model: string): string {
    return qualifiedName(schema, this.snapshotTable(model));
  }

  /** A read: one statement in a read-only transaction, whatever the SQL calls. */
  private async read<R extends object = Record<string, unknown>>(
    doing: string,
    text: string,
    params?: unknown[],
  ) {
    try {
      return await this.driver.read<R & Record<string, unknown>>(text, params);
    } catch (err) {
      throw queryError(err, this.settings, doing);
    }
  }

  /** Column types by name: built-ins from a table, anything else (enums, domains, ...) asked for once. */
  private async columnsOf(
    session: PostgresSession,
    fields: readonly { name: string; dataTypeID: number }[],
  ): Promise<Column[]> {
    const unknown = [
      ...new Set(fields.map((f) => f.dataTypeID).filter((oid) => !BUILTIN_TYPE_NAMES.has(oid))),
    ];
    const names = new Map(BUILTIN_TYPE_NAMES);
    if (unknown.length > 0) {
      const [{ rows }] = await session.readOnly([
        {
          text: 'select oid::int as oid, pg_catalog.format_type(oid, null) as name from pg_catalog.pg_type where oid = any($1::oid[])',
          values: [unknown],
        },
      ]);
      for (const row of rows as { oid: number; name: string }[]) names.set(row.oid, row.name);
    }
    return fields.map((f) => ({ name: f.name, type: names.get(f.dataTypeID) ?? 'unknown' }));
  }
}
