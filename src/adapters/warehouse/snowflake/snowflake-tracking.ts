/**
 * Change tracking of syncs on Snowflake: the portable SQL of ../sql-tracking.ts in Snowflake's dialect.
 *
 * - Every name is double-quoted (tables, internal columns, aliases): Snowflake upper-cases unquoted names,
 *   and the runner reads columns by their exact names. Table names resolve as config names do
 *   (`records_orders` → `RECORDS_ORDERS`, a name needing quotes is kept as written), within 255 characters.
 * - Checksum `md5` (lower-case hex) over `cast(... as varchar)`, length-prefixed; records written with
 *   `MERGE` (the batch never holds a record twice: Snowflake fails a MERGE on duplicate source keys).
 * - Snowflake commits implicitly before and after DDL, so only a batch's DML (records, rejections, the
 *   plan's outcomes) runs in one `BEGIN ... COMMIT`; planning (CREATE OR REPLACE TABLE ... AS) is ordered
 *   so that the plan table, written last, is the only thing a resumed run trusts.
 * - Values come back JSON-safe as previews give them (NUMBER as exact text, dates as ISO text).
 */
import { SqlTracking, type Row, type TrackingDialect } from '../sql-tracking';
import type { SnowflakeDriver, SnowflakeResult } from './snowflake-driver';
import { queryError } from './snowflake-errors';
import type { SnowflakeSettings } from './snowflake-settings';
import {
  fitIdentifier,
  qualified,
  quoteIdent,
  quoteLiteral,
  resolveIdentifier,
  snowflakeSubquery,
} from './snowflake-sql';
import { jsonSafe } from './snowflake-values';

function objects(result: SnowflakeResult): Row[] {
  return result.rows.map((row) => {
    const out: Row = {};
    result.columns.forEach((c, i) => (out[c.name] = jsonSafe(row[i], c as never)));
    return out;
  });
}

export function snowflakeTracking(driver: SnowflakeDriver, settings: SnowflakeSettings): SqlTracking {
  const database = resolveIdentifier(settings.database);
  const run = async (sql: string, doing: string): Promise<Row[]> => {
    try {
      return objects(await driver.execute(sql, { fetchAsString: ['Number'] }));
    } catch (err) {
      throw queryError(err, settings, doing);
    }
  };
  const dialect: TrackingDialect = {
    get statements() {
      return driver.roundTrips;
    },
    query: run,
    transaction: async (kind, doing, fn) => {
      const q = (sql: string) => run(sql, doing);
      if (kind === 'all') return fn(q);
      await run('begin transaction', doing);
      try {
        const out = await fn(q);
        await run('commit', doing);
        return out;
      } catch (err) {
        await driver.execute('rollback').catch(() => undefined);
        throw err;
      }
    },
    table: (schema, name) =>
      qualified(database, resolveIdentifier(schema), fitIdentifier(resolveIdentifier(name))),
    ident: quoteIdent,
    literal: quoteLiteral,
    model: (sql, alias) => `${snowflakeSubquery(sql)} as ${quoteIdent(alias)}`,
    types: { text: 'varchar', bigint: 'bigint' },
    createTableAs: (table, select) => [`create or replace table ${table} as ${select}`],
    tableOptions: '',
    md5: (expr) => `md5(${expr})`,
    textOf: (expr) => `cast(${expr} as varchar)`,
    merge: true,
    tableExists: async (schema, name) => {
      const rows = await run(
        `select count(*) as "n" from ${quoteIdent(database)}.information_schema.tables where table_schema = ${quoteLiteral(resolveIdentifier(schema))} and table_name = ${quoteLiteral(fitIdentifier(resolveIdentifier(name)))}`,
        'reading the catalog',
      );
      return Number(rows[0]?.n ?? 0) > 0;
    },
  };
  return new SqlTracking(dialect);
}
