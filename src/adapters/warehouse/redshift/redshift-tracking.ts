/**
 * Change tracking of syncs on Redshift: the portable SQL of ../sql-tracking.ts in Redshift's dialect, over
 * the Postgres driver. What Redshift lacks is never written: no ON CONFLICT (records are written with
 * UPDATE ... FROM, then INSERT of the ids still missing), no unnest or arrays (a batch's outcomes are one
 * INSERT ... SELECT ... UNION ALL into `batch_<sync>`), no FILTER, no IS DISTINCT FROM, no temporary
 * tables that drop on commit (the stage is a table of the managed schema, dropped when planned). Planning
 * and each batch's commit run in one transaction on one session (Redshift DDL is transactional), so a crash
 * leaves all of a batch recorded or none of it.
 *
 * Redshift cannot cast a boolean to text, so the model is described first (LIMIT 0, one statement) and
 * boolean columns enter the checksum as 'true'/'false'. Text is VARCHAR(65535), Redshift's largest: a value
 * longer than 65535 bytes cannot be staged (Redshift refuses it) and the run fails saying so.
 */
import type { QueryResultRow } from 'pg';
import { batchedDdl } from '../postgres/postgres-ddl';
import type { PgModule, PostgresDriver, PostgresSession } from '../postgres/postgres-driver';
import { jsonSafeTypes } from '../postgres/postgres-values';
import { SqlTracking, type Query, type Row, type TrackingDialect } from '../sql-tracking';
import { queryError } from './redshift-errors';
import type { RedshiftSettings } from './redshift-settings';
import { asSubquery, fitIdentifier, foldName, qualifiedName, quoteIdent, quoteLiteral } from './redshift-sql';

const BOOLEAN_OID = 16;
const TEXT = 'varchar(65535)';

export function redshiftTracking(
  driver: PostgresDriver,
  pg: PgModule,
  settings: RedshiftSettings,
): SqlTracking {
  const types = jsonSafeTypes(pg);
  const fail = (err: unknown, doing: string) => queryError(err, settings, doing);
  const on =
    (s: PostgresSession): Query =>
    async (sql) =>
      (await s.query<QueryResultRow>(sql, undefined, types)).rows as Row[];
  const dialect: TrackingDialect = {
    get statements() {
      return driver.roundTrips;
    },
    query: (sql, doing) =>
      driver
        .query(sql, undefined, types)
        .then((r) => r.rows as Row[])
        .catch((err) => {
          throw fail(err, doing);
        }),
    // One message, one implicit transaction (Redshift DDL is transactional); DDL asked for together, as an
    // apply creating many syncs does, commits together (postgres-ddl.ts, as on Postgres). No advisory lock:
    // Redshift has none, and the driver already runs writes one at a time, in the order asked.
    ddl: batchedDdl(driver, fail),
    transaction: (_kind, doing, fn, undo = false) =>
      driver
        .exclusive(async (s) => {
          await s.query('begin');
          try {
            const out = await fn(on(s));
            await s.query(undo ? 'rollback' : 'commit');
            return out;
          } catch (err) {
            await s.query('rollback').catch(() => undefined);
            throw err;
          }
        })
        .catch((err) => {
          throw fail(err, doing);
        }),
    table: (schema, name) => qualifiedName(foldName(schema), fitIdentifier(foldName(name))),
    ident: quoteIdent,
    literal: quoteLiteral,
    model: (sql, alias) => asSubquery(sql, alias),
    types: { text: TEXT, bigint: 'bigint' },
    createTableAs: (table, select) => [`drop table if exists ${table}`, `create table ${table} as ${select}`],
    tableOptions: '',
    md5: (expr) => `md5(${expr})`,
    textOf: (expr, column, described) =>
      described?.get(column) === 'boolean'
        ? `case when ${expr} then 'true' else 'false' end`
        : `cast(${expr} as ${TEXT})`,
    describe: async (modelSql) => {
      try {
        const [result] = await driver.reading((s) =>
          s.readOnly([{ text: `select * from ${asSubquery(modelSql)} limit 0` }]),
        );
        return new Map(
          result.fields.map((f) => [f.name, f.dataTypeID === BOOLEAN_OID ? 'boolean' : 'other']),
        );
      } catch (err) {
        throw fail(err, 'describing the model');
      }
    },
    merge: false,
    tableExists: async (schema, name) => {
      const rows = await dialect.query(
        `select count(*) as n from svv_tables where table_schema = ${quoteLiteral(foldName(schema))} and table_name = ${quoteLiteral(fitIdentifier(foldName(name)))}`,
        'reading the catalog',
      );
      return Number(rows[0]?.n ?? 0) > 0;
    },
  };
  return new SqlTracking(dialect);
}
