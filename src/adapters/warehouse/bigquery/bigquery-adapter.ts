/**
 * The BigQuery WarehouseAdapter: composes the driver (API calls, counted), the SQL helpers (backtick
 * quoting), the introspector (INFORMATION_SCHEMA plus one dry run) and the dataset-level grants check.
 */
import { UserError } from '../../../errors';
import type {
  ConnectionInfo,
  GrantCheck,
  IntrospectionRequest,
  IntrospectionResult,
  PreviewResult,
  PrimaryKeyCheck,
  RelationRef,
  WarehouseAdapter,
} from '../warehouse';
import { snapshotTableName } from '../warehouse';
import { BigQueryDriver, type AuthModule, type BigQueryModule } from './bigquery-driver';
import { bigQueryError, isStatus, projectGrant } from './bigquery-errors';
import { BigQueryIntrospector } from './bigquery-introspector';
import type { BigQuerySettings } from './bigquery-settings';
import { datasetGrant } from './bigquery-setup-sql';
import { bigQuerySubquery, fitTableName, qualified, quoteIdent } from './bigquery-sql';
import { fieldTypeName, rowToObject } from './bigquery-values';
import { assertPreviewLimit } from '../preview-limit';
import { SnapshotDdl, SnapshotTables } from '../snapshot-ddl';
import type { SyncTracking } from '../tracking';
import { bigQueryTracking } from './bigquery-tracking';

/** Columns of a model's change-tracking snapshot table. */
const SNAPSHOT_COLUMNS = `  pk STRING NOT NULL,
  row_hash STRING NOT NULL,
  synced_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP()`;

export class BigQueryAdapter extends SnapshotTables implements WarehouseAdapter {
  readonly warehouse: string = 'bigquery';
  private readonly driver: BigQueryDriver;
  private readonly introspector: BigQueryIntrospector;
  private user: string | undefined;

  constructor(
    bigquery: BigQueryModule,
    auth: AuthModule,
    private readonly settings: BigQuerySettings,
  ) {
    super();
    this.driver = new BigQueryDriver(bigquery, auth, settings);
    this.introspector = new BigQueryIntrospector(this.driver, settings);
  }

  get roundTrips(): number {
    return this.driver.roundTrips;
  }

  async testConnection(): Promise<ConnectionInfo> {
    const { rows } = await this.run(
      'connecting to BigQuery',
      'SELECT SESSION_USER() AS user',
      this.settings.connect_timeout_ms,
    );
    this.user = String(rows[0]?.f[0]?.v ?? this.settings.principal ?? '');
    return {
      server_version: 'BigQuery (GoogleSQL)',
      current_user: this.user,
      database: this.settings.project_id,
    };
  }

  async ensureManagedSchema(schema: string): Promise<void> {
    try {
      await this.driver.getDataset(schema);
      return;
    } catch (err) {
      if (!isStatus(err, 404)) throw this.datasetError(err, schema, 'checking the managed dataset');
    }
    try {
      await this.driver.createDataset(schema);
    } catch (err) {
      if (isStatus(err, 409)) return; // created meanwhile
      if (isStatus(err, 403)) {
        throw new UserError(
          `${this.who()} may not create the managed dataset ${qualified(this.settings.project_id, schema)}`,
          `Ask an admin to run in BigQuery:\n  CREATE SCHEMA IF NOT EXISTS ${qualified(this.settings.project_id, schema)} OPTIONS (location = '${this.settings.location}');\n  ${this.grant(schema)}`,
        );
      }
      throw bigQueryError(
        err,
        this.settings,
        `creating the managed dataset ${qualified(this.settings.project_id, schema)}`,
      );
    }
  }

  /**
   * datasets.get on the managed dataset: missing is fine (apply creates it); refused means the service
   * account has no role on it. Project-level roles cannot be read without Resource Manager rights, so a
   * missing job permission shows up in testConnection instead, with its gcloud command.
   */
  async checkGrants(schema: string): Promise<GrantCheck> {
    try {
      await this.driver.getDataset(schema);
      return { schema_exists: true, missing_grants: [] };
    } catch (err) {
      if (isStatus(err, 404)) return { schema_exists: false, missing_grants: [] };
      if (isStatus(err, 403)) return { schema_exists: true, missing_grants: [this.grant(schema)] };
      throw bigQueryError(err, this.settings, 'checking grants on the managed dataset');
    }
  }

  async introspect(request: IntrospectionRequest): Promise<IntrospectionResult> {
    try {
      return await this.introspector.introspect(request);
    } catch (err) {
      throw bigQueryError(err, this.settings, 'reading relations and model columns');
    }
  }

  async preview(sql: string, limit: number): Promise<PreviewResult> {
    assertPreviewLimit(limit);
    const { fields, rows } = await this.run(
      'previewing the query',
      `SELECT * FROM ${bigQuerySubquery(sql)} AS q LIMIT ${limit}`,
    );
    return {
      columns: fields.map((f) => ({ name: f.name, type: fieldTypeName(f) })),
      rows: rows.map((r) => rowToObject(r, fields)),
    };
  }

  async checkPrimaryKey(sql: string, column: string): Promise<PrimaryKeyCheck> {
    const col = quoteIdent(column);
    const { rows } = await this.run(
      `checking primary key ${JSON.stringify(column)}`,
      `SELECT COUNT(*), COUNT(DISTINCT ${col}), COUNT(*) - COUNT(${col}) FROM ${bigQuerySubquery(sql)} AS q`,
    );
    const [total, distinct, nulls] = rows[0].f.map((c) => Number(c.v));
    return { total, distinct, nulls };
  }

  protected readonly snapshots = new SnapshotDdl(
    (doing, sql) => this.run(doing, sql),
    (schema, model) => this.snapshotRelation(schema, model),
    SNAPSHOT_COLUMNS,
  );

  private trackingSql: SyncTracking | undefined;

  tracking(): SyncTracking {
    this.trackingSql ??= bigQueryTracking(this.driver, this.settings);
    return this.trackingSql;
  }

  /** `snapshot_<model>`, made a valid BigQuery table name (see fitTableName). */
  snapshotTable(model: string): string {
    return fitTableName(snapshotTableName(model));
  }

  selectAll(ref: RelationRef): string {
    return `SELECT * FROM ${qualified(ref.database || this.settings.project_id, ref.schema, ref.name)}`;
  }

  async close(): Promise<void> {
    // The client holds no session: nothing to end.
  }

  private snapshotRelation(schema: string, model: string): string {
    return qualified(this.settings.project_id, schema, this.snapshotTable(model));
  }

  private who(): string {
    return this.settings.principal ?? this.user ?? 'the service account';
  }

  private grant(dataset: string): string {
    return datasetGrant(
      this.settings.project_id,
      dataset,
      'roles/bigquery.dataEditor',
      this.settings.principal ?? this.user ?? '<service-account-email>',
    );
  }

  private datasetError(err: unknown, dataset: string, doing: string): Error {
    if (isStatus(err, 403)) {
      return new UserError(
        `${this.who()} may not use the managed dataset ${qualified(this.settings.project_id, dataset)}`,
        `Ask an admin to run in BigQuery:\n  ${this.grant(dataset)}`,
      );
    }
    return bigQueryError(err, this.settings, doing);
  }

  private async run(doing: string, sql: string, timeoutMs?: number) {
    try {
      return await this.driver.query(sql, timeoutMs);
    } catch (err) {
      throw bigQueryError(err, this.settings, doing);
    }
  }
}

export { projectGrant };
