/**
 * The Redshift WarehouseAdapter. Redshift speaks the Postgres protocol, so the Postgres driver (session,
 * round trips) and quoting are reused; its SQL surface differs, so the catalog queries, the introspector,
 * the grants check, the literals and the DDL are Redshift's own (see redshift-introspector.ts).
 */
import { UserError } from '../../../errors';
import { batchedDdl, type RunDdl } from '../postgres/postgres-ddl';
import { PostgresDriver, type PgModule } from '../postgres/postgres-driver';
import { jsonSafeTypes } from '../postgres/postgres-values';
import { PrimaryKeyChecks } from '../postgres/postgres-primary-keys';
import type {
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
import { connectionError, queryError } from './redshift-errors';
import { missingGrants, REDSHIFT_GRANTS_QUERY, type RedshiftGrantsRow } from './redshift-grants';
import { RedshiftIntrospector } from './redshift-introspector';
import type { RedshiftSettings } from './redshift-settings';
import {
  asSubquery,
  fitIdentifier,
  foldName,
  qualifiedName,
  quoteIdent,
  redshiftVersion,
} from './redshift-sql';
import { typeFromOid } from './redshift-types';
import { assertPreviewLimit } from '../preview-limit';
import { SnapshotDdl, SnapshotTables } from '../snapshot-ddl';
import { ensureManagedSchema } from '../postgres/postgres-managed-schema';
import type { SyncTracking } from '../tracking';
import { redshiftTracking } from './redshift-tracking';

// Redshift's TEXT is VARCHAR(256): keys get room to spare.
/** Columns of a model's change-tracking snapshot table. */
const SNAPSHOT_COLUMNS = `  pk varchar(4096) not null primary key,
  row_hash varchar(128) not null,
  synced_at timestamp not null default getdate()`;

/** No FILTER clause in Redshift: nulls are count(*) - count(col). */
function primaryKeySql(sql: string, column: string): string {
  const col = quoteIdent(column);
  return `select count(*) as total, count(distinct ${col}) as distinct, count(*) - count(${col}) as nulls from ${asSubquery(sql)}`;
}

export class RedshiftAdapter extends SnapshotTables implements WarehouseAdapter {
  readonly warehouse: string = 'redshift';
  private readonly driver: PostgresDriver;
  private readonly introspector: RedshiftIntrospector;
  private readonly keys: PrimaryKeyChecks;
  private readonly ddl: RunDdl;

  constructor(
    private readonly pg: PgModule,
    private readonly settings: RedshiftSettings,
  ) {
    super();
    this.driver = new PostgresDriver(pg, settings);
    this.introspector = new RedshiftIntrospector(this.driver, settings);
    this.keys = new PrimaryKeyChecks(this.driver, primaryKeySql, (err, doing) =>
      queryError(err, settings, doing),
    );
    this.ddl = batchedDdl(this.driver, (err, doing) => queryError(err, settings, doing));
  }

  get roundTrips(): number {
    return this.driver.roundTrips;
  }

  /** Also proves the server is Redshift: its version() reads `PostgreSQL 8.0.2 ... Redshift 1.0.N`. */
  async testConnection(): Promise<ConnectionInfo> {
    let row: { version: string; user: string; database: string };
    try {
      const { rows } = await this.driver.read<typeof row>(
        'select version() as version, current_user as user, current_database() as database',
      );
      row = rows[0];
    } catch (err) {
      throw connectionError(err, this.settings);
    }
    const version = redshiftVersion(row.version);
    if (!version) {
      throw new UserError(
        `the server at ${this.settings.host}:${this.settings.port} is not Amazon Redshift (it reports ${JSON.stringify(row.version.slice(0, 60))})`,
        'Use "warehouse": "postgres" for a PostgreSQL server.',
      );
    }
    return { server_version: version, current_user: row.user, database: row.database };
  }

  async ensureManagedSchema(managedSchema: string): Promise<void> {
    await ensureManagedSchema(this.driver, foldName(managedSchema), this.settings, (err, doing) =>
      queryError(err, this.settings, doing),
    );
  }

  async checkGrants(managedSchema: string): Promise<GrantCheck> {
    const schema = foldName(managedSchema);
    const { rows } = await this.read<RedshiftGrantsRow>('checking grants', REDSHIFT_GRANTS_QUERY, [schema]);
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
    const text = `select * from ${asSubquery(sql)} limit ${limit}`;
    try {
      // READ ONLY and rolled back: a preview never changes the warehouse.
      const [result] = await this.driver.reading((session) =>
        session.readOnly([{ text, types: jsonSafeTypes(this.pg) }]),
      );
      return {
        columns: result.fields.map((f) => ({
          name: f.name,
          type: typeFromOid(f.dataTypeID, f.dataTypeModifier),
        })),
        rows: result.rows,
      };
    } catch (err) {
      throw queryError(err, this.settings, 'previewing the query');
    }
  }

  async checkPrimaryKey(sql: string, column: string): Promise<PrimaryKeyCheck> {
    return this.keys.one(sql, column);
  }

  /** Many checks per round trip (../postgres/postgres-primary-keys.ts), each model its own result or error. */
  async checkPrimaryKeys(requests: readonly PrimaryKeyRequest[]): Promise<(PrimaryKeyCheck | Error)[]> {
    return this.keys.many(requests);
  }

  /**
   * Creates and drops are batched writes (no advisory lock: Redshift has none; the driver runs writes one
   * at a time, in the order asked, as before): the snapshot tables of many new models, asked for together,
   * commit together in one transaction (Redshift DDL is transactional). A reset is sent alone: Redshift's
   * TRUNCATE commits the transaction it runs in, so it would commit half a batch.
   */
  protected readonly snapshots = new SnapshotDdl(
    (doing, sql, _target, statement) =>
      statement === 'reset' ? this.run(doing, sql) : this.ddl([sql], doing),
    (schema, model) => this.snapshotRelation(schema, model),
    SNAPSHOT_COLUMNS,
  );

  private trackingSql: SyncTracking | undefined;

  tracking(): SyncTracking {
    this.trackingSql ??= redshiftTracking(this.driver, this.pg, this.settings);
    return this.trackingSql;
  }

  /** `snapshot_<model>` as Redshift stores it: lower case, within 127 bytes. */
  snapshotTable(model: string): string {
    return fitIdentifier(foldName(snapshotTableName(model)));
  }

  selectAll(ref: RelationRef): string {
    return `select * from ${qualifiedName(ref.schema, ref.name)}`;
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  private snapshotRelation(schema: string, model: string): string {
    return qualifiedName(foldName(schema), this.snapshotTable(model));
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

  private async run<R extends object = Record<string, unknown>>(
    doing: string,
    text: string,
    params?: unknown[],
  ) {
    try {
      return await this.driver.query<R & Record<string, unknown>>(text, params);
    } catch (err) {
      throw queryError(err, this.settings, doing);
    }
  }
}
