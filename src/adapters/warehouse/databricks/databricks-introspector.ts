/**
 * Reads every relation's columns and describes every SQL model query of a source in ONE statement, as the
 * Snowflake introspector does (see ../describe-batch.ts): Unity Catalog's information_schema.columns for
 * the relations (one part per catalog, aggregated into one JSON cell with to_json(collect_list(...)) so the
 * answer is one row), and a cross join of `(select * from (<q>) as q limit 0)` for the queries, which Spark
 * folds to an empty relation (OptimizeLimitZero), so nothing is scanned. Names are compared lower-cased, as
 * Unity Catalog stores them.
 */
import { batchStatementText, introspectInBatches, splitAtMarkers } from '../describe-batch';
import type { Column, IntrospectionRequest, IntrospectionResult, QueryRef, RelationRef } from '../warehouse';
import { relationKey } from '../warehouse';
import type { DatabricksDriver } from './databricks-driver';
import { describeErrorText } from './databricks-errors';
import type { DatabricksSettings } from './databricks-settings';
import { databricksStatement, databricksSubquery, quoteIdent, quoteLiteral, ucName } from './databricks-sql';

const MAX_STATEMENT_BYTES = 900_000;
const RELATION_COLUMNS = 1;
const SYNTAX = { quoteIdent, parenthesize: databricksSubquery };

export class DatabricksIntrospector {
  constructor(
    private readonly driver: DatabricksDriver,
    private readonly settings: DatabricksSettings,
  ) {}

  async introspect(request: IntrospectionRequest): Promise<IntrospectionResult> {
    return introspectInBatches(request.queries, {
      statement: databricksStatement,
      relationsSql: this.relationsSelect(request.relations),
      maxStatementBytes: MAX_STATEMENT_BYTES,
      describe: (queries, relationsSql, result) =>
        this.describeBatch(queries, relationsSql, request.relations, result),
      errorText: (e) => describeErrorText(e, this.settings),
    });
  }

  private async describeBatch(
    queries: readonly QueryRef[],
    relationsSql: string | undefined,
    relations: readonly RelationRef[],
    result: IntrospectionResult,
  ): Promise<Column[][]> {
    const { text, markers } = batchStatementText(queries, relationsSql, SYNTAX);
    const { columns, rows } = await this.driver.execute(text);
    if (relationsSql) collectRelations(rows, columns[0].name, relations, result);
    if (queries.length === 0) return [];
    return splitAtMarkers(columns, markers, relationsSql ? RELATION_COLUMNS : 0);
  }

  private relationsSelect(relations: readonly RelationRef[]): string | undefined {
    const byCatalog = new Map<string, string[]>();
    relations.forEach((ref, i) => {
      const catalog = ucName(ref.database || this.settings.catalog);
      const schema = ref.schema ? ucName(ref.schema) : 'default';
      const rows = byCatalog.get(catalog) ?? [];
      rows.push(`(${i + 1}, ${quoteLiteral(schema)}, ${quoteLiteral(ucName(ref.name))})`);
      byCatalog.set(catalog, rows);
    });
    if (byCatalog.size === 0) return undefined;
    const parts = [...byCatalog.entries()].map(
      ([catalog, rows]) =>
        `select req.item, c.ordinal_position, c.column_name, upper(coalesce(c.full_data_type, c.data_type)) as column_type
    from (values ${rows.join(', ')}) as req (item, schema_name, table_name)
    join ${quoteIdent(catalog)}.information_schema.columns as c
      on lower(c.table_schema) = req.schema_name and lower(c.table_name) = req.table_name`,
    );
    return `select to_json(collect_list(named_struct('i', item, 'o', ordinal_position, 'n', column_name, 't', column_type))) as bf_relations
  from (
    ${parts.join('\n    union all\n    ')}
  ) as found`;
  }
}

function collectRelations(
  rows: readonly Record<string, unknown>[],
  column: string,
  relations: readonly RelationRef[],
  result: IntrospectionResult,
): void {
  const cell = rows[0]?.[column];
  const found = (cell === null || cell === undefined ? [] : JSON.parse(String(cell))) as {
    i: number;
    o: number;
    n: string;
    t: string;
  }[];
  const parsed = found
    .map((r) => ({ item: Number(r.i), ordinal: Number(r.o), name: String(r.n), type: String(r.t) }))
    .sort((a, b) => a.item - b.item || a.ordinal - b.ordinal);
  for (const row of parsed) {
    const key = relationKey(relations[row.item - 1]);
    const columns = result.relations.get(key) ?? [];
    columns.push({ name: row.name, type: row.type });
    result.relations.set(key, columns);
  }
}
