/**
 * The Databricks WarehouseAdapter: composes the driver (Thrift session, counted statements), the SQL
 * helpers (backticks, Unity Catalog names), the introspector (one statement) and the grants rules.
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
import { DatabricksDriver, type DatabricksModule } from './databricks-driver';
import { connectionError, queryError } from './databricks-errors';
import { grantsQuery, missingGrants, type GrantsRow } from './databricks-grants';
import { DatabricksIntrospector } from './databricks-introspector';
import type { DatabricksSettings } from './databricks-settings';
import {
  databricksSubquery,
  fitTableName,
  qualified,
  quoteIdent,
  quoteLiteral,
  ucName,
} from './databricks-sql';
import { jsonSafe } from './databricks-values';
import { assertPreviewLimit } from '../preview-limit';
import { SnapshotDdl, SnapshotTables } from '../snapshot-ddl';
import type { SyncTracking } from '../tracking';
import { databricksTracking } from './databricks-tracking';

/** Columns of a model's change-tracking snapshot table. */
const SNAPSHOT_COLUMNS = `  pk string not null,
  row_hash string not null,
  synced_at timestamp`;

export class DatabricksAdapter extends SnapshotTables implements WarehouseAdapter {
  readonly warehouse: string = 'databricks';
  private readonly driver: DatabricksDriver;
  private readonly introspector: DatabricksIntrospector;
  private user: string | undefined;

  constructor(
    sql: DatabricksModule,
    private readonly settings: DatabricksSettings,
  ) {
    super();
    this.driver = new DatabricksDriver(sql, settings);
    this.introspector = new DatabricksIntrospector(this.driver, settings);
  }

  get roundTrips(): number {
    return this.driver.roundTrips;
  }

  private get catalog(): string {
    return ucName(this.settings.catalog);
  }

  async testConnection(): Promise<ConnectionInfo> {
    try {
      const { rows, columns } = await this.driver.execute(
        'select version() as bf_version, current_user() as bf_user, current_catalog() as bf_catalog',
      );
      const row = rows[0] ?? {};
      const [version, user, catalog] = columns.map((c) =>
        row[c.name] === null ? null : String(row[c.name]),
      );
      this.user = user ?? undefined;
      return {
        server_version: `Databricks SQL (Spark ${String(version).split(' ')[0]})`,
        current_user: String(user),
        database: String(catalog),
      };
    } catch (err) {
      throw connectionError(err, this.settings);
    }
  }

  async ensureManagedSchema(schema: string): Promise<void> {
    const name = ucName(schema);
    const { rows } = await this.run(
      'checking the managed schema',
      `select count(*) as n from ${quoteIdent(this.catalog)}.information_schema.schemata where schema_name = ${quoteLiteral(name)}`,
    );
    if (Number(Object.values(rows[0] ?? {})[0] ?? 0) > 0) return;
    try {
      await this.driver.execute(`create schema if not exists ${qualified(this.catalog, name)}`);
    } catch (err) {
      if (/INSUFFICIENT_PERMISSIONS|PERMISSION_DENIED/i.test((err as Error).message ?? '')) {
        const who = quoteIdent(this.user ?? '<principal>');
        throw new UserError(
          `${this.user ?? "the token's principal"} may not create the managed schema ${qualified(this.catalog, name)}`,
          `Ask an administrator to run:\n  CREATE SCHEMA IF NOT EXISTS ${qualified(this.catalog, name)};\n  GRANT USE SCHEMA, CREATE TABLE, SELECT, MODIFY ON SCHEMA ${qualified(this.catalog, name)} TO ${who};`,
        );
      }
      throw queryError(err, this.settings, `creating the managed schema ${qualified(this.catalog, name)}`);
    }
  }

  async checkGrants(schema: string): Promise<GrantCheck> {
    const { rows, columns } = await this.run('checking grants', grantsQuery(this.catalog, ucName(schema)));
    const [kind, value] = columns.map((c) => c.name);
    const parsed: GrantsRow[] = rows.map((r) => ({
      kind: String(r[kind]),
      value: r[value] === null ? null : String(r[value]),
    }));
    const { user, ...check } = missingGrants(parsed, this.catalog, ucName(schema));
    this.user ??= user;
    return check;
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
    const { columns, rows } = await this.run(
      'previewing the query',
      `select * from ${databricksSubquery(sql)} as q limit ${limit}`,
    );
    return {
      columns,
      rows: rows.map((row) => {
        const out: Record<string, unknown> = {};
        for (const c of columns) out[c.name] = jsonSafe(row[c.name], c.type);
        return out;
      }),
    };
  }

  async checkPrimaryKey(sql: string, column: string): Promise<PrimaryKeyCheck> {
    const col = quoteIdent(column);
    const { rows } = await this.run(
      `checking primary key ${JSON.stringify(column)}`,
      `select count(*) as bf_total, count(distinct ${col}) as bf_distinct, count(*) - count(${col}) as bf_nulls from ${databricksSubquery(sql)} as q`,
    );
    const row = rows[0] ?? {};
    return { total: Number(row.bf_total), distinct: Number(row.bf_distinct), nulls: Number(row.bf_nulls) };
  }

  protected readonly snapshots = new SnapshotDdl(
    (doing, sql) => this.run(doing, sql),
    (schema, model) => this.snapshotRelation(schema, model),
    SNAPSHOT_COLUMNS,
  );

  private trackingSql: SyncTracking | undefined;

  tracking(): SyncTracking {
    this.trackingSql ??= databricksTracking(this.driver, this.settings);
    return this.trackingSql;
  }

  /** `snapshot_<model>` as Unity Catalog stores a table name (see fitTableName). */
  snapshotTable(model: string): string {
    return fitTableName(snapshotTableName(model));
  }

  selectAll(ref: RelationRef): string {
    return `select * from ${qualified(ref.database || this.catalog, ref.schema || 'default', ref.name)}`;
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  private snapshotRelation(schema: string, model: string): string {
    return qualified(this.catalog, ucName(schema), this.snapshotTable(model));
  }

  private async run(doing: string, text: string) {
    try {
      return await this.driver.execute(text);
    } catch (err) {
      throw queryError(err, this.settings, doing);
    }
  }
}
