/**
 * Reads every relation's columns and describes every SQL model query of a Redshift source in ONE round trip,
 * without what Redshift lacks (temporary PL/pgSQL functions, arrays, unnest, VALUES lists): one read-only
 * pipeline (BEGIN READ ONLY, one extended-protocol statement each, ROLLBACK; see postgres-pipeline.ts) of
 *   - relations: svv_columns joined to the requested (schema, table) pairs written as a UNION ALL of literal
 *     rows (svv_columns is a leader-node view, so it gets a statement of its own: Redshift refuses to mix
 *     leader-node catalogs with tables on the compute nodes);
 *   - then one `select * from (<q>) as "q" limit 0` per query: each answers with a row description (names,
 *     type OIDs and modifiers) and no rows. Separate statements, not one wide cross join, because a select
 *     list is capped (1,664 entries in Postgres, 1,600 columns in Redshift) and 1,000 models exceed it.
 * When a query does not compile, the round trip fails from there on: the relations are
 * read alone and the queries bisected (see ../describe-batch.ts), each broken query keeping its own error.
 */
import { batchBySize, bisect } from '../describe-batch';
import type { PostgresDriver } from '../postgres/postgres-driver';
import type { PostgresSettings } from '../postgres/postgres-settings';
import type { Column, IntrospectionRequest, IntrospectionResult, QueryRef, RelationRef } from '../warehouse';
import { relationKey } from '../warehouse';
import { asSubquery, foldName, quoteLiteral, singleStatement } from './redshift-sql';
import { typeFromCatalog, typeFromOid } from './redshift-types';

const MAX_STATEMENT_BYTES = 900_000;

interface Field {
  name: string;
  dataTypeID: number;
  dataTypeModifier: number;
}

export class RedshiftIntrospector {
  constructor(
    private readonly driver: PostgresDriver,
    private readonly settings: PostgresSettings,
  ) {}

  async introspect(request: IntrospectionRequest): Promise<IntrospectionResult> {
    const result: IntrospectionResult = { relations: new Map(), queries: new Map() };
    const valid: QueryRef[] = [];
    for (const ref of request.queries) {
      try {
        valid.push({ id: ref.id, sql: singleStatement(ref.sql) });
      } catch (err) {
        result.queries.set(ref.id, { error: (err as Error).message });
      }
    }
    const relationsSql = request.relations.length > 0 ? this.relationsSelect(request.relations) : undefined;
    if (!relationsSql && valid.length === 0) return result;
    const batches =
      valid.length > 0 ? batchBySize(valid, (q) => Buffer.byteLength(q.sql), MAX_STATEMENT_BYTES) : [[]];
    for (const [index, batch] of batches.entries()) {
      const withRelations = index === 0 ? relationsSql : undefined;
      if (batch.length === 0 && !withRelations) continue;
      try {
        const described = await this.round(batch, withRelations, request.relations, result);
        batch.forEach((q, i) => result.queries.set(q.id, { columns: described[i] }));
      } catch (err) {
        if (batch.length === 0) throw err;
        if (withRelations) await this.round([], withRelations, request.relations, result);
        const found = await bisect(
          batch,
          (subset) => this.round(subset, undefined, request.relations, result),
          (e) => String((e as Error).message ?? e),
        );
        for (const [id, d] of found) result.queries.set(id, d);
      }
    }
    return result;
  }

  /** One simple-protocol message: the relations statement and/or the describe statement. */
  private async round(
    queries: readonly QueryRef[],
    relationsSql: string | undefined,
    relations: readonly RelationRef[],
    result: IntrospectionResult,
  ): Promise<Column[][]> {
    const statements: string[] = [];
    if (relationsSql) statements.push(relationsSql);
    for (const q of queries) statements.push(`select * from ${asSubquery(q.sql)} limit 0`);
    const results = await this.driver.reading((session) =>
      session.readOnly(statements.map((text) => ({ text }))),
    );
    if (relationsSql) collectRelations(results[0].rows as Record<string, unknown>[], relations, result);
    const described = results.slice(relationsSql ? 1 : 0);
    if (described.length !== queries.length)
      throw new Error('internal: one result per described query expected');
    return described.map((r) =>
      (r.fields as unknown as Field[]).map((f) => ({
        name: f.name,
        type: typeFromOid(f.dataTypeID, f.dataTypeModifier),
      })),
    );
  }

  private relationsSelect(relations: readonly RelationRef[]): string {
    const search = this.settings.schema ?? 'public';
    const rows = relations.map((ref, i) => {
      const schema = quoteLiteral(foldName(ref.schema || search));
      const name = quoteLiteral(foldName(ref.name));
      return i === 0
        ? `select ${i + 1} as item, ${schema}::varchar as schema_name, ${name}::varchar as table_name`
        : `select ${i + 1}, ${schema}::varchar, ${name}::varchar`;
    });
    return `select req.item, c.ordinal_position, c.column_name, c.data_type, c.character_maximum_length,
       c.numeric_precision, c.numeric_scale
  from (${rows.join('\n        union all ')}) as req
  join svv_columns as c on c.table_schema = req.schema_name and c.table_name = req.table_name`;
  }
}

function collectRelations(
  rows: readonly Record<string, unknown>[],
  relations: readonly RelationRef[],
  result: IntrospectionResult,
): void {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const parsed = rows
    .map((r) => ({
      item: Number(r.item),
      ordinal: Number(r.ordinal_position),
      name: String(r.column_name),
      type: typeFromCatalog(
        String(r.data_type),
        num(r.character_maximum_length),
        num(r.numeric_precision),
        num(r.numeric_scale),
      ),
    }))
    .sort((a, b) => a.item - b.item || a.ordinal - b.ordinal);
  for (const row of parsed) {
    const key = relationKey(relations[row.item - 1]);
    const columns = result.relations.get(key) ?? [];
    columns.push({ name: row.name, type: row.type });
    result.relations.set(key, columns);
  }
}
