/**
 * Reads the columns of every relation and every SQL model query of a source in ONE round trip, inside a
 * read-only transaction (see postgres-pipeline.ts):
 *  - relations: pg_class/pg_namespace/pg_attribute joined to the requested (schema, name) pairs unnested
 *    from array parameters, numbered WITH ORDINALITY so rows map back to the request;
 *  - queries: one `select * from (<q>) as q limit 0` each, a statement of its own (so the server refuses
 *    anything but one statement); each answers with a row description (names, type OIDs and modifiers)
 *    and no rows: LIMIT 0 stops the executor before the query's plan runs.
 * When a query does not compile, the server skips the rest of the round trip: that query keeps its error
 * and the ones after it go again in a new round trip, so k broken models cost 2k more round trips.
 * Types the driver cannot name from their OID (enums, domains, ...) are named by the server once.
 */
import type { Column, IntrospectionRequest, IntrospectionResult, QueryRef, RelationRef } from '../warehouse';
import { relationKey } from '../warehouse';
import type { PostgresDriver } from './postgres-driver';
import { PipelineError } from './postgres-pipeline';
import { asSubquery, singleStatement } from './postgres-sql';
import { builtinTypeName, FORMAT_TYPES_QUERY } from './postgres-type-names';

/** Relation kinds that have columns a model can read: tables, views, matviews, foreign and partitioned tables. */
const RELATION_KINDS = "('r', 'v', 'm', 'f', 'p')";

// An empty schema means "as the search path finds it". The left join to pg_attribute keeps a zero-column
// table visible as existing. Catalog reads need no privilege on the relations themselves.
const RELATIONS_QUERY = `select req.item::int as item, a.attnum::int as ordinal, a.attname::text as name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) as type
  from unnest($1::text[], $2::text[], $3::text[]) with ordinality as req(schema_name, rel_name, db_name, item)
  join pg_catalog.pg_class c on c.relname = req.rel_name and c.relkind in ${RELATION_KINDS}
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
 where (req.db_name = '' or req.db_name = pg_catalog.current_database())
   and case when req.schema_name = '' then pg_catalog.pg_table_is_visible(c.oid) else n.nspname = req.schema_name end
 order by 1, 2`;

interface RelationRow {
  item: number;
  ordinal: number | null;
  name: string | null;
  type: string | null;
}

interface Field {
  name: string;
  dataTypeID: number;
  dataTypeModifier: number;
}

export class PostgresIntrospector {
  /** Names the server gave for non-built-in types, by `oid:typmod`. */
  private readonly typeNames = new Map<string, string>();

  constructor(private readonly driver: PostgresDriver) {}

  async introspect(request: IntrospectionRequest): Promise<IntrospectionResult> {
    const result: IntrospectionResult = { relations: new Map(), queries: new Map() };

    // Multi-statement queries are refused here, before anything is sent; the rest still go out.
    let pending: QueryRef[] = [];
    for (const ref of request.queries) {
      try {
        pending.push({ id: ref.id, sql: singleStatement(ref.sql) });
      } catch (err) {
        result.queries.set(ref.id, { error: (err as Error).message });
      }
    }
    const described: { id: string; fields: Field[] }[] = [];
    const relations = request.relations.length > 0;
    while (relations || pending.length > 0) {
      const steps = pending.map((q) => ({ text: `select * from ${asSubquery(q.sql)} limit 0` }));
      if (relations) steps.unshift(this.relationsStep(request.relations));
      try {
        const results = await this.driver.reading((session) => session.readOnly(steps));
        if (relations) collectRelations(results.shift()!.rows as RelationRow[], request, result);
        results.forEach((r, i) => described.push({ id: pending[i].id, fields: r.fields as Field[] }));
        break;
      } catch (err) {
        if (!(err instanceof PipelineError)) throw err;
        const failed = err.step - (relations ? 1 : 0);
        if (failed < 0) throw err; // the relations statement itself: not a model problem
        // Statements before the failed one succeeded, but their results were in the aborted round trip.
        result.queries.set(pending[failed].id, { error: err.message });
        pending = pending.filter((_, i) => i !== failed);
      }
    }
    await this.nameTypes(described.flatMap((d) => d.fields));
    for (const d of described) {
      result.queries.set(d.id, {
        columns: d.fields.map((f) => ({ name: f.name, type: this.typeName(f) })),
      });
    }
    return result;
  }

  private relationsStep(relations: readonly RelationRef[]) {
    return {
      text: RELATIONS_QUERY,
      values: [
        relations.map((r) => r.schema ?? ''),
        relations.map((r) => r.name),
        relations.map((r) => r.database ?? ''),
      ],
    };
  }

  private typeName(f: Field): string {
    return (
      builtinTypeName(f.dataTypeID, f.dataTypeModifier) ??
      this.typeNames.get(`${f.dataTypeID}:${f.dataTypeModifier}`) ??
      'unknown'
    );
  }

  /** One more read-only round trip, only when some column has a type the driver cannot name. */
  private async nameTypes(fields: readonly Field[]): Promise<void> {
    const unknown = new Map<string, Field>();
    for (const f of fields) {
      const key = `${f.dataTypeID}:${f.dataTypeModifier}`;
      if (builtinTypeName(f.dataTypeID, f.dataTypeModifier) === undefined && !this.typeNames.has(key))
        unknown.set(key, f);
    }
    if (unknown.size === 0) return;
    const list = [...unknown.values()];
    const { rows } = await this.driver.read<{ oid: number; typmod: number; name: string }>(
      FORMAT_TYPES_QUERY,
      [list.map((f) => f.dataTypeID), list.map((f) => f.dataTypeModifier)],
    );
    for (const row of rows) this.typeNames.set(`${row.oid}:${row.typmod}`, row.name);
  }
}

function collectRelations(
  rows: readonly RelationRow[],
  request: IntrospectionRequest,
  result: IntrospectionResult,
): void {
  for (const row of rows) {
    const key = relationKey(request.relations[row.item - 1]);
    const columns: Column[] = result.relations.get(key) ?? [];
    if (row.name !== null) columns.push({ name: row.name, type: row.type as string });
    result.relations.set(key, columns);
  }
}
