/**
 * Change tracking of syncs on BigQuery: the portable SQL of ../sql-tracking.ts in GoogleSQL.
 *
 * - Checksum `TO_HEX(MD5(...))` (MD5 returns BYTES) over `TO_JSON_STRING` of each column, length-prefixed:
 *   TO_JSON_STRING takes every type (STRUCT, ARRAY and JSON too, which CAST AS STRING refuses). Record ids
 *   are `CAST(key AS STRING)`.
 * - Set differences are anti-joins (BigQuery has only `EXCEPT DISTINCT`, which would fold duplicates);
 *   records are written with MERGE; tables with `CREATE OR REPLACE TABLE ... AS`.
 * - Every statement is one query job. BigQuery's multi-statement transactions exist only inside one
 *   script job, so instead a batch's writes are ordered to be safe without one: records and rejections
 *   first, each idempotent, the plan's outcome column last, so a crash between jobs re-sends rows
 *   (idempotency keys) and never loses them.
 * - DML quotas: each committed batch costs up to five DML jobs on the tracking tables (BigQuery queues
 *   more than 2 concurrent mutating DML per table, 20 queued at most), so batches should be large
 *   (thousands of rows) rather than many: the count of jobs per run grows with batches, never with rows.
 */
import { SqlTracking, type Row, type TrackingDialect } from '../sql-tracking';
import type { BigQueryDriver } from './bigquery-driver';
import { bigQueryError } from './bigquery-errors';
import type { BigQuerySettings } from './bigquery-settings';
import { bigQuerySubquery, fitTableName, qualified, quoteIdent, quoteLiteral } from './bigquery-sql';
import { rowToObject } from './bigquery-values';

export function bigQueryTracking(driver: BigQueryDriver, settings: BigQuerySettings): SqlTracking {
  const project = settings.project_id;
  const run = async (sql: string, doing: string): Promise<Row[]> => {
    try {
      const { fields, rows } = await driver.query(sql);
      return rows.map((r) => rowToObject(r, fields));
    } catch (err) {
      throw bigQueryError(err, settings, doing);
    }
  };
  const dialect: TrackingDialect = {
    get statements() {
      return driver.roundTrips;
    },
    query: run,
    transaction: (_kind, doing, fn) => fn((sql) => run(sql, doing)),
    table: (schema, name) => qualified(project, schema, fitTableName(name)),
    ident: quoteIdent,
    literal: quoteLiteral,
    model: (sql, alias) => `${bigQuerySubquery(sql)} AS ${quoteIdent(alias)}`,
    types: { text: 'STRING', bigint: 'INT64' },
    createTableAs: (table, select) => [`CREATE OR REPLACE TABLE ${table} AS ${select}`],
    tableOptions: '',
    md5: (expr) => `TO_HEX(MD5(${expr}))`,
    textOf: (expr) => `TO_JSON_STRING(${expr})`,
    merge: true,
    tableExists: async (schema, name) => {
      const region = quoteIdent(`region-${settings.location.toLowerCase()}`);
      const rows = await run(
        `SELECT COUNT(*) AS n FROM ${quoteIdent(project)}.${region}.INFORMATION_SCHEMA.TABLES WHERE table_schema = ${quoteLiteral(schema)} AND table_name = ${quoteLiteral(fitTableName(name))}`,
        'reading the catalog',
      );
      return Number(rows[0]?.n ?? 0) > 0;
    },
  };
  return new SqlTracking(dialect);
}
