/**
 * Reads the columns of every relation and every SQL model query of a source in ONE round trip.
 *
 * How: a single simple-protocol message holding (on a new session) the creation of a PL/pgSQL function in
 * `pg_temp`, then one SELECT that UNION ALLs two parts sharing a row shape (kind, item, ordinal, name,
 * type, error):
 *  - relations: pg_class/pg_namespace/pg_attribute joined to the requested (schema, name) pairs unnested
 *    from two literal arrays, numbered WITH ORDINALITY so rows map back to the request;
 *  - queries: the temp function, which for each query creates a temp view over it inside a
 *    BEGIN … EXCEPTION block (the view is analysed, never run), reads its columns, then raises a private
 *    SQLSTATE to roll the view back. Any other error is returned as that query's row, so one broken query
 *    does not fail the rest.
 * Values are spliced in as quoted literals because the simple protocol takes no bind parameters.
 */
import type { Column, IntrospectionRequest, IntrospectionResult, QueryRef, RelationRef } from '../warehouse';
import { relationKey } from '../warehouse';
import type { PostgresDriver } from './postgres-driver';
import { singleStatement, textArrayLiteral } from './postgres-sql';

const DESCRIBE_FUNCTION = 'pg_temp.backflow_describe_queries';

/** Relation kinds that have columns a model can read: tables, views, matviews, foreign and partitioned tables. */
const RELATION_KINDS = "('r', 'v', 'm', 'f', 'p')";

export const CREATE_DESCRIBE_FUNCTION = `create or replace function ${DESCRIBE_FUNCTION}(sqls text[])
returns table (item int, ordinal int, name text, type text, error text)
language plpgsql as $backflow$
declare
  names text[];
  types text[];
begin
  for i in 1 .. coalesce(array_length(sqls, 1), 0) loop
    names := null;
    types := null;
    begin
      execute 'create temp view backflow_probe as ' || sqls[i];
      select array_agg(a.attname::text order by a.attnum),
             array_agg(pg_catalog.format_type(a.atttypid, a.atttypmod) order by a.attnum)
        into names, types
        from pg_catalog.pg_attribute a
       where a.attrelid = pg_catalog.to_regclass('pg_temp.backflow_probe')
         and a.attnum > 0 and not a.attisdropped;
      -- Roll back the probe view and anything else the statement may have done.
      raise sqlstate 'BF000';
    exception
      when sqlstate 'BF000' then null;
      when others then
        item := i; ordinal := null; name := null; type := null; error := sqlerrm;
        return next;
        continue;
    end;
    for j in 1 .. coalesce(array_length(names, 1), 0) loop
      item := i; ordinal := j; name := names[j]; type := types[j]; error := null;
      return next;
    end loop;
  end loop;
end
$backflow$`;

interface Row {
  kind: 'r' | 'q';
  item: number;
  ordinal: number | null;
  name: string | null;
  type: string | null;
  error: string | null;
}

function relationsSelect(relations: readonly RelationRef[]): string {
  const schemas = textArrayLiteral(relations.map((r) => r.schema ?? ''));
  const names = textArrayLiteral(relations.map((r) => r.name));
  const databases = textArrayLiteral(relations.map((r) => r.database ?? ''));
  // An empty schema means "as the search path finds it". The left join to pg_attribute keeps a
  // zero-column table visible as existing. Catalog reads need no privilege on the relations themselves.
  return `select 'r'::text as kind, req.item::int as item, a.attnum::int as ordinal, a.attname::text as name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) as type, null::text as error
  from unnest(${schemas}, ${names}, ${databases}) with ordinality as req(schema_name, rel_name, db_name, item)
  join pg_catalog.pg_class c on c.relname = req.rel_name and c.relkind in ${RELATION_KINDS}
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
 where (req.db_name = '' or req.db_name = pg_catalog.current_database())
   and case when req.schema_name = '' then pg_catalog.pg_table_is_visible(c.oid) else n.nspname = req.schema_name end`;
}

function queriesSelect(sqls: readonly string[]): string {
  return `select 'q'::text, d.item, d.ordinal, d.name, d.type, d.error from ${DESCRIBE_FUNCTION}(${textArrayLiteral(sqls)}) d`;
}

export class PostgresIntrospector {
  private describeSession = -1;

  constructor(private readonly driver: PostgresDriver) {}

  async introspect(request: IntrospectionRequest): Promise<IntrospectionResult> {
    const result: IntrospectionResult = { relations: new Map(), queries: new Map() };

    // Multi-statement queries are refused here, before anything is sent; the rest still go out.
    const valid: { ref: QueryRef; sql: string }[] = [];
    for (const ref of request.queries) {
      try {
        valid.push({ ref, sql: singleStatement(ref.sql) });
      } catch (err) {
        result.queries.set(ref.id, { error: (err as Error).message });
      }
    }

    const parts: string[] = [];
    if (request.relations.length > 0) parts.push(relationsSelect(request.relations));
    if (valid.length > 0) parts.push(queriesSelect(valid.map((v) => v.sql)));
    if (parts.length === 0) return result;

    const select = `${parts.join('\nunion all\n')}\norder by 1, 2, 3`;
    const results = await this.driver.exclusive(async (session) => {
      const needsFunction = valid.length > 0 && session.id !== this.describeSession;
      const out = await session.multi(needsFunction ? `${CREATE_DESCRIBE_FUNCTION};\n${select}` : select);
      // Created in the same implicit transaction as the select: only now is it known to exist.
      if (needsFunction) this.describeSession = session.id;
      return out;
    });
    const rows = results[results.length - 1].rows as Row[];
    collect(rows, request, valid, result);
    return result;
  }
}

function collect(
  rows: readonly Row[],
  request: IntrospectionRequest,
  valid: readonly { ref: QueryRef }[],
  result: IntrospectionResult,
): void {
  for (const row of rows) {
    const index = row.item - 1;
    if (row.kind === 'r') {
      const key = relationKey(request.relations[index]);
      const columns = result.relations.get(key) ?? [];
      if (row.name !== null) columns.push(column(row));
      result.relations.set(key, columns);
    } else {
      const id = valid[index].ref.id;
      if (row.error !== null) {
        result.queries.set(id, { error: row.error });
        continue;
      }
      const entry = result.queries.get(id);
      if (entry && 'columns' in entry) entry.columns.push(column(row));
      else result.queries.set(id, { columns: [column(row)] });
    }
  }
  // A query that yields no columns at all (rare, e.g. `select`) still gets an entry.
  for (const { ref } of valid) if (!result.queries.has(ref.id)) result.queries.set(ref.id, { columns: [] });
}

function column(row: Row): Column {
  return { name: row.name as string, type: row.type as string };
}
