/**
 * The Snowflake WarehouseAdapter: composes the driver (sign-in, statements, round trips), the SQL helpers
 * (case and quoting), the introspector (one statement for every relation and query) and the grants rules.
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
import { SnowflakeDriver, type SnowflakeSdk } from './snowflake-driver';
import { connectionError, queryError, snowflakeScrub } from './snowflake-errors';
import {
  inheritedRoles,
  missingGrants,
  parseShowGrants,
  type GrantRow,
  type Needs,
} from './snowflake-grants';
import { SnowflakeIntrospector } from './snowflake-introspector';
import type { SnowflakeSettings } from './snowflake-settings';
import {
  fitIdentifier,
  qualified,
  quoteIdent,
  quoteName,
  resolveIdentifier,
  snowflakeSubquery,
} from './snowflake-sql';
import { jsonSafe, resultTypeName } from './snowflake-values';
import { assertPreviewLimit } from '../preview-limit';
import { SnapshotDdl, SnapshotTables } from '../snapshot-ddl';
import type { SyncTracking } from '../tracking';
import { snowflakeTracking } from './snowflake-tracking';

/** Columns of a model's change-tracking snapshot table. */
const SNAPSHOT_COLUMNS = `  pk varchar not null primary key,
  row_hash varchar not null,
  synced_at timestamp_ltz not null default current_timestamp()`;

/** Roles followed through the hierarchy when a privilege seems missing (each is one SHOW GRANTS). */
const MAX_ROLES_FOLLOWED = 10;

export class SnowflakeAdapter extends SnapshotTables implements WarehouseAdapter {
  readonly warehouse: string = 'snowflake';
  private readonly driver: SnowflakeDriver;
  private readonly introspector: SnowflakeIntrospector;
  private session: { role: string; database: string; warehouse: string } | undefined;

  constructor(
    sdk: SnowflakeSdk,
    private readonly settings: SnowflakeSettings,
  ) {
    super();
    this.driver = new SnowflakeDriver(sdk, settings);
    this.introspector = new SnowflakeIntrospector(this.driver, settings);
  }

  get roundTrips(): number {
    return this.driver.roundTrips;
  }

  async testConnection(): Promise<ConnectionInfo> {
    let row: unknown[];
    try {
      const result = await this.driver.execute(
        'select current_version(), current_user(), current_role(), current_database(), current_warehouse()',
      );
      row = result.rows[0];
    } catch (err) {
      throw connectionError(err, this.settings);
    }
    const [version, user, role, database, warehouse] = row.map((v) => (v === null ? null : String(v)));
    const roleName = role ?? '<role>';
    const scrub = snowflakeScrub(this.settings);
    if (database === null) {
      throw new UserError(
        scrub(
          `Snowflake database ${JSON.stringify(this.settings.database)} does not exist, or role ${JSON.stringify(roleName)} may not use it`,
        ),
        `Check "database", or ask an admin to run: GRANT USAGE ON DATABASE ${quoteName(this.settings.database)} TO ROLE ${quoteIdent(roleName)};`,
      );
    }
    if (warehouse === null) {
      throw new UserError(
        scrub(
          `Snowflake warehouse ${JSON.stringify(this.settings.warehouse)} does not exist, or role ${JSON.stringify(roleName)} may not use it`,
        ),
        `Check "warehouse", or ask an admin to run: GRANT USAGE ON WAREHOUSE ${quoteName(this.settings.warehouse)} TO ROLE ${quoteIdent(roleName)};`,
      );
    }
    this.session = { role: roleName, database, warehouse };
    return { server_version: `Snowflake ${version}`, current_user: String(user), database };
  }

  async ensureManagedSchema(schema: string): Promise<void> {
    const database = resolveIdentifier(this.settings.database);
    const name = resolveIdentifier(schema);
    // Look first: CREATE SCHEMA IF NOT EXISTS needs CREATE SCHEMA on the database even when the schema
    // exists, and the least-privilege setup has an admin create it for the role.
    const { rows } = await this.run(
      'checking the managed schema',
      `select count(*) from ${quoteIdent(database)}.information_schema.schemata where schema_name = ?`,
      [name],
    );
    if (Number(rows[0]?.[0] ?? 0) > 0) return;
    try {
      await this.driver.execute(`create schema if not exists ${qualified(database, name)}`);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === '003001' || /insufficient privileges/i.test(e.message ?? '')) {
        const role = quoteIdent(
          this.session?.role ?? resolveIdentifier(this.settings.role ?? 'BACKFLOW_ROLE'),
        );
        throw new UserError(
          `role ${role} may not create the managed schema ${qualified(database, name)}`,
          `Ask an administrator to run:\n  CREATE SCHEMA IF NOT EXISTS ${qualified(database, name)};\n  GRANT USAGE, CREATE TABLE ON SCHEMA ${qualified(database, name)} TO ROLE ${role};`,
        );
      }
      throw queryError(err, this.settings, `creating the managed schema ${qualified(database, name)}`);
    }
  }

  async checkGrants(schema: string): Promise<GrantCheck> {
    const role = await this.currentRole();
    const needs: Needs = {
      role,
      warehouse: resolveIdentifier(this.settings.warehouse),
      database: resolveIdentifier(this.settings.database),
      schema: resolveIdentifier(schema),
    };
    const grants = await this.grantsOf(role);
    let check = missingGrants(grants, needs);
    if (check.missing_grants.length === 0) return check;
    // Something looks missing: it may come through a role granted to this one, or through PUBLIC.
    const seen = new Set([role]);
    const queue = [...inheritedRoles(grants), 'PUBLIC'];
    while (queue.length > 0 && seen.size <= MAX_ROLES_FOLLOWED && check.missing_grants.length > 0) {
      const next = queue.shift()!;
      if (seen.has(next)) continue;
      seen.add(next);
      const more = await this.grantsOf(next);
      grants.push(...more);
      queue.push(...inheritedRoles(more));
      check = missingGrants(grants, needs);
    }
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
    const text = `select * from ${snowflakeSubquery(sql)} as "q" limit ${limit}`;
    try {
      const result = await this.driver.execute(text, { fetchAsString: ['Number'] });
      const columns = result.columns.map((c) => ({ name: c.name, type: resultTypeName(c) }));
      const rows = result.rows.map((row) => {
        const out: Record<string, unknown> = {};
        result.columns.forEach((c, i) => (out[c.name] = jsonSafe(row[i], c)));
        return out;
      });
      return { columns, rows };
    } catch (err) {
      throw queryError(err, this.settings, 'previewing the query');
    }
  }

  async checkPrimaryKey(sql: string, column: string): Promise<PrimaryKeyCheck> {
    const col = quoteIdent(column);
    const { rows } = await this.run(
      `checking primary key ${JSON.stringify(column)}`,
      `select count(*), count(distinct ${col}), count(*) - count(${col}) from ${snowflakeSubquery(sql)} as "q"`,
    );
    const [total, distinct, nulls] = rows[0].map(Number);
    return { total, distinct, nulls };
  }

  protected readonly snapshots = new SnapshotDdl(
    (doing, sql) => this.run(doing, sql),
    (schema, model) => this.snapshotRelation(schema, model),
    SNAPSHOT_COLUMNS,
  );

  private trackingSql: SyncTracking | undefined;

  tracking(): SyncTracking {
    this.trackingSql ??= snowflakeTracking(this.driver, this.settings);
    return this.trackingSql;
  }

  /** `snapshot_<model>` resolved the Snowflake way (SNAPSHOT_ACTIVE_USERS), within 255 characters. */
  snapshotTable(model: string): string {
    return fitIdentifier(resolveIdentifier(snapshotTableName(model)));
  }

  selectAll(ref: RelationRef): string {
    const parts = [ref.database, ref.schema, ref.name].filter((p): p is string => !!p).map(resolveIdentifier);
    return `select * from ${qualified(...parts)}`;
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  private snapshotRelation(schema: string, model: string): string {
    return qualified(
      resolveIdentifier(this.settings.database),
      resolveIdentifier(schema),
      this.snapshotTable(model),
    );
  }

  private async currentRole(): Promise<string> {
    if (this.session) return this.session.role;
    const { rows } = await this.run('reading the current role', 'select current_role()');
    return String(rows[0][0]);
  }

  private async grantsOf(role: string): Promise<GrantRow[]> {
    const { columns, rows } = await this.run(
      `reading the grants of role ${JSON.stringify(role)}`,
      `show grants to role ${quoteIdent(role)}`,
    );
    return parseShowGrants(columns, rows);
  }

  private async run(doing: string, text: string, binds?: string[]) {
    try {
      return await this.driver.execute(text, { binds });
    } catch (err) {
      throw queryError(err, this.settings, doing);
    }
  }
}
