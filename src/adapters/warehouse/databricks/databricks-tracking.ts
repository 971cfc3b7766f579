/**
 * Change tracking of syncs on Databricks: the portable SQL of ../sql-tracking.ts in Databricks SQL, on
 * Delta tables (`USING DELTA`: MERGE INTO, UPDATE and DELETE need Delta).
 *
 * - Checksum `md5` (hex) over `cast(... as string)` (Spark casts every type, arrays and structs too),
 *   length-prefixed; records written with MERGE INTO; plan outcomes too (Delta's UPDATE has no FROM).
 * - A Databricks SQL warehouse runs each statement in its own transaction: there are no multi-statement
 *   transactions. So every write is idempotent and ordered so that a crash between two statements re-sends
 *   rather than loses: a batch writes records and rejections first and the plan's outcome column last
 *   (rows without an outcome are sent again under the same idempotency key); planning writes the plan
 *   table last, the only thing a resumed run trusts.
 * - Unity Catalog stores table names in lower case: the sync's tables are fitted (`fitTableName`), so
 *   `Orders` and `orders` get distinct tables (a hash of the original name is appended).
 */
import { SqlTracking, type Row, type TrackingDialect } from '../sql-tracking';
import type { DatabricksDriver } from './databricks-driver';
import { queryError } from './databricks-errors';
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

export function databricksTracking(driver: DatabricksDriver, settings: DatabricksSettings): SqlTracking {
  const catalog = ucName(settings.catalog);
  const run = async (sql: string, doing: string): Promise<Row[]> => {
    try {
      const { columns, rows } = await driver.execute(sql);
      return rows.map((row) => {
        const out: Row = {};
        for (const c of columns) out[c.name] = jsonSafe(row[c.name], c.type);
        return out;
      });
    } catch (err) {
      throw queryError(err, settings, doing);
    }
  };
  const dialect: TrackingDialect = {
    get statements() {
      return driver.roundTrips;
    },
    query: run,
    transaction: (_kind, doing, fn) => fn((sql) => run(sql, doing)),
    table: (schema, name) => qualified(catalog, ucName(schema), fitTableName(name)),
    ident: quoteIdent,
    literal: quoteLiteral,
    model: (sql, alias) => `${databricksSubquery(sql)} as ${quoteIdent(alias)}`,
    types: { text: 'string', bigint: 'bigint' },
    createTableAs: (table, select) => [`create or replace table ${table} using delta as ${select}`],
    tableOptions: ' using delta',
    md5: (expr) => `md5(${expr})`,
    textOf: (expr) => `cast(${expr} as string)`,
    merge: true,
    tableExists: async (schema, name) => {
      const rows = await run(
        `select count(*) as n from ${quoteIdent(catalog)}.information_schema.tables where table_schema = ${quoteLiteral(ucName(schema))} and table_name = ${quoteLiteral(fitTableName(name))}`,
        'reading the catalog',
      );
      return Number(rows[0]?.n ?? 0) > 0;
    },
  };
  return new SqlTracking(dialect);
}
