/**
 * Reads the columns of every relation and describes every SQL model query of a source in ONE statement
 * (one round trip), without running the queries:
 *
 *   select r.*, 0 as "<marker 1>", "s1".*, ...                         -- query columns: result metadata
 *     from (select * from (<q1>) as "q" limit 0) as "s1" cross join ... -- never produces a row
 *    right join (                                                       -- relation columns: one JSON cell
 *      select to_json(array_agg(object_construct('i', item, 'o', ordinal_position, 'n', column_name, ...)))
 *        from (select ... from (values (1, 'SCHEMA', 'TABLE'), ...) as req (item, schema_name, table_name)
 *              join "DB".INFORMATION_SCHEMA.COLUMNS as c on ...)      -- one UNION ALL part per database
 *    ) as r on true
 *
 * The relations come back aggregated in a single cell, so the answer is one row however many relations and
 * query columns there are (as rows, they would be multiplied by every query column, all null).
 *
 * If a query does not compile the statement fails; the introspector then reads the relations alone and
 * bisects the queries (see ../describe-batch.ts), so each broken query gets its own error.
 */
import { batchStatementText, introspectInBatches, splitAtMarkers } from '../describe-batch';
import type { Column, IntrospectionRequest, IntrospectionResult, QueryRef, RelationRef } from '../warehouse';
import { relationKey } from '../warehouse';
import type { SnowflakeDriver } from './snowflake-driver';
import { describeErrorText } from './snowflake-errors';
import type { SnowflakeSettings } from './snowflake-settings';
import {
  quoteIdent,
  quoteLiteral,
  resolveIdentifier,
  snowflakeStatement,
  snowflakeSubquery,
} from './snowflake-sql';
import { informationSchemaTypeName, resultTypeName } from './snowflake-values';

/** Snowflake caps statement text at 1 MB; batches stay well under it. */
const MAX_STATEMENT_BYTES = 900_000;
const RELATION_COLUMNS = 1;

const SYNTAX = { quoteIdent, parenthesize: snowflakeSubquery };

export class SnowflakeIntrospector {
  constructor(
    private readonly driver: SnowflakeDriver,
    private readonly settings: SnowflakeSettings,
  ) {}

  async introspect(request: IntrospectionRequest): Promise<IntrospectionResult> {
    return introspectInBatches(request.queries, {
      statement: snowflakeStatement,
      relationsSql: request.relations.length > 0 ? this.relationsSelect(request.relations) : undefined,
      maxStatementBytes: MAX_STATEMENT_BYTES,
      describe: (queries, relationsSql, result) =>
        this.describeBatch(queries, relationsSql, request.relations, result),
      errorText: (e) => describeErrorText(e, this.settings),
    });
  }

  /** One statement: the batch's query columns (and the relations' rows when given). */
  private async describeBatch(
    queries: readonly QueryRef[],
    relationsSql: string | undefined,
    relations: readonly RelationRef[],
    result: IntrospectionResult,
  ): Promise<Column[][]> {
    const { text, markers } = batchStatementText(queries, relationsSql, SYNTAX);
    const { columns, rows } = await this.driver.execute(text);
    if (relationsSql) collectRelations(rows, relations, result);
    if (queries.length === 0) return [];
    const split = splitAtMarkers(columns, markers, relationsSql ? RELATION_COLUMNS : 0);
    return split.map((cols) => cols.map((c) => ({ name: c.name, type: resultTypeName(c) })));
  }

  /** Relations grouped by database: one INFORMATION_SCHEMA join per database, UNION ALL. */
  private relationsSelect(relations: readonly RelationRef[]): string {
    const defaultSchema = resolveIdentifier(this.settings.schema ?? 'PUBLIC');
    const byDatabase = new Map<string, string[]>();
    relations.forEach((ref, i) => {
      const database = resolveIdentifier(ref.database || this.settings.database);
      const schema = ref.schema ? resolveIdentifier(ref.schema) : defaultSchema;
      const values = byDatabase.get(database) ?? [];
      values.push(`(${i + 1}, ${quoteLiteral(schema)}, ${quoteLiteral(resolveIdentifier(ref.name))})`);
      byDatabase.set(database, values);
    });
    const parts = [...byDatabase.entries()].map(
      ([database, values]) =>
        `select req.item, c.ordinal_position, c.column_name, c.data_type, c.numeric_precision, c.numeric_scale
    from (values ${values.join(', ')}) as req (item, schema_name, table_name)
    join ${quoteIdent(database)}.information_schema.columns as c
      on c.table_schema = req.schema_name and c.table_name = req.table_name`,
    );
    return `select to_json(array_agg(object_construct('i', item, 'o', ordinal_position, 'n', column_name, 't', data_type, 'p', numeric_precision, 's', numeric_scale))) as bf_relations
  from (
    ${parts.join('\n    union all\n    ')}
  ) as found`;
  }
}

interface FoundColumn {
  i: number;
  o: number;
  n: string;
  t: string;
  p?: number | null;
  s?: number | null;
}

function collectRelations(
  rows: readonly unknown[][],
  relations: readonly RelationRef[],
  result: IntrospectionResult,
): void {
  const cell = rows[0]?.[0];
  const found = (cell === null || cell === undefined ? [] : JSON.parse(String(cell))) as FoundColumn[];
  const sorted = found
    .map((c) => ({
      item: Number(c.i),
      ordinal: Number(c.o),
      name: String(c.n),
      type: informationSchemaTypeName(String(c.t), num(c.p), num(c.s)),
    }))
    .sort((a, b) => a.item - b.item || a.ordinal - b.ordinal);
  for (const row of sorted) {
    const key = relationKey(relations[row.item - 1]);
    const columns = result.relations.get(key) ?? [];
    columns.push({ name: row.name, type: row.type });
    result.relations.set(key, columns);
  }
}

function num(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}
