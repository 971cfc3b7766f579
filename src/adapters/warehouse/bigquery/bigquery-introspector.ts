/**
 * Reads every relation's columns and describes every SQL model query of a source with a fixed number of
 * calls, whatever the number of models — two, sent at the same time:
 *
 *  - relations: one query on the region's INFORMATION_SCHEMA.COLUMNS (one UNION ALL part per project),
 *    joined to the requested (dataset, table) pairs written as literals;
 *  - queries: one DRY RUN (free: BigQuery plans the query and returns its schema, reading no data) of
 *      SELECT (SELECT AS STRUCT * FROM (<q1>) AS bf_q LIMIT 1) AS q_1, (SELECT AS STRUCT ...) AS q_2, ...
 *    whose result schema has one STRUCT per query, its fields the query's columns. (Unlike Snowflake's
 *    cross join, this keeps duplicate column names of different queries apart: BigQuery refuses
 *    duplicate names in a result.)
 *
 * A query that does not compile fails the dry run; the batch is then bisected (see ../describe-batch.ts).
 * Why two calls and not one: a dry run returns no rows, and a real query over the models would bill the
 * bytes they read (LIMIT does not reduce BigQuery's cost).
 */
import { batchBySize, bisect } from '../describe-batch';
import type { Column, IntrospectionRequest, IntrospectionResult, QueryRef, RelationRef } from '../warehouse';
import { relationKey } from '../warehouse';
import type { BigQueryDriver } from './bigquery-driver';
import { describeErrorText } from './bigquery-errors';
import type { BigQuerySettings } from './bigquery-settings';
import { bigQueryStatement, bigQuerySubquery, quoteIdent, quoteLiteral } from './bigquery-sql';
import { fieldTypeName } from './bigquery-values';

/** BigQuery caps query text at 1 MB (1,024 KB); batches stay under it. */
const MAX_STATEMENT_BYTES = 900_000;

export class BigQueryIntrospector {
  constructor(
    private readonly driver: BigQueryDriver,
    private readonly settings: BigQuerySettings,
  ) {}

  async introspect(request: IntrospectionRequest): Promise<IntrospectionResult> {
    const result: IntrospectionResult = { relations: new Map(), queries: new Map() };
    const valid: QueryRef[] = [];
    for (const ref of request.queries) {
      try {
        valid.push({ id: ref.id, sql: bigQueryStatement(ref.sql) });
      } catch (err) {
        result.queries.set(ref.id, { error: (err as Error).message });
      }
    }
    const relationsSql = this.relationsSelect(request.relations);
    await Promise.all([
      relationsSql ? this.readRelations(relationsSql, request.relations, result) : undefined,
      this.describeAll(valid, result),
    ]);
    return result;
  }

  private async describeAll(queries: QueryRef[], result: IntrospectionResult): Promise<void> {
    if (queries.length === 0) return;
    for (const batch of batchBySize(queries, (q) => Buffer.byteLength(q.sql), MAX_STATEMENT_BYTES)) {
      const found = await bisect(
        batch,
        (subset) => this.describe(subset),
        (e) => describeErrorText(e, this.settings),
      );
      for (const [id, d] of found) result.queries.set(id, d);
    }
  }

  /** One dry run for `queries`: the columns of each. */
  private async describe(queries: readonly QueryRef[]): Promise<Column[][]> {
    const select = queries
      .map((q, i) => `(SELECT AS STRUCT * FROM ${bigQuerySubquery(q.sql)} AS bf_q LIMIT 1) AS q_${i + 1}`)
      .join(',\n');
    const fields = await this.driver.dryRun(`SELECT\n${select}`);
    return queries.map((_, i) => {
      const field = fields.find((f) => f.name === `q_${i + 1}`);
      if (!field) throw new Error(`internal: dry run schema has no q_${i + 1}`);
      return (field.fields ?? []).map((f) => ({ name: f.name, type: fieldTypeName(f) }));
    });
  }

  private async readRelations(
    sql: string,
    relations: readonly RelationRef[],
    result: IntrospectionResult,
  ): Promise<void> {
    const { rows } = await this.driver.query(sql);
    const parsed = rows
      .map((r) => ({
        item: Number(r.f[0].v),
        ordinal: Number(r.f[1].v),
        name: String(r.f[2].v),
        type: String(r.f[3].v),
      }))
      .sort((a, b) => a.item - b.item || a.ordinal - b.ordinal);
    for (const row of parsed) {
      const key = relationKey(relations[row.item - 1]);
      const columns = result.relations.get(key) ?? [];
      columns.push({ name: row.name, type: row.type });
      result.relations.set(key, columns);
    }
  }

  /** One INFORMATION_SCHEMA.COLUMNS join per project; undefined when nothing can exist. */
  private relationsSelect(relations: readonly RelationRef[]): string | undefined {
    const byProject = new Map<string, string[]>();
    relations.forEach((ref, i) => {
      if (!ref.schema) return; // BigQuery has no search path: an unqualified relation cannot be found
      const project = ref.database || this.settings.project_id;
      const rows = byProject.get(project) ?? [];
      rows.push(
        rows.length === 0
          ? `SELECT ${i + 1} AS item, ${quoteLiteral(ref.schema)} AS schema_name, ${quoteLiteral(ref.name)} AS table_name`
          : `SELECT ${i + 1}, ${quoteLiteral(ref.schema)}, ${quoteLiteral(ref.name)}`,
      );
      byProject.set(project, rows);
    });
    if (byProject.size === 0) return undefined;
    const region = quoteIdent(`region-${this.settings.location.toLowerCase()}`);
    return [...byProject.entries()]
      .map(
        ([project, rows]) => `SELECT req.item, c.ordinal_position, c.column_name, c.data_type
FROM (${rows.join('\n  UNION ALL ')}) AS req
JOIN ${quoteIdent(project)}.${region}.INFORMATION_SCHEMA.COLUMNS AS c
  ON c.table_schema = req.schema_name AND c.table_name = req.table_name`,
      )
      .join('\nUNION ALL\n');
  }
}
