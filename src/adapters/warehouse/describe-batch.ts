/**
 * Describing many SQL model queries in ONE statement, for warehouses that cannot run a procedural block per
 * query the way Postgres does (Snowflake, Databricks, and BigQuery's dry run).
 *
 * The statement cross-joins every query, each wrapped as `(select * from (<sql>) limit 0)`, and selects a
 * marker column before each query's columns:
 *
 *   select 0 as "backflow_<nonce>_1", "s1".*, 0 as "backflow_<nonce>_2", "s2".*
 *     from (select * from (<q1>) as "q" limit 0) as "s1" cross join (select * from (<q2>) as "q" limit 0) as "s2"
 *
 * Nothing is scanned (each side is LIMIT 0, which the warehouses fold to an empty relation), and the result
 * metadata lists every query's columns in order, split apart at the markers. Relation rows (information
 * schema) ride along in the same statement through `right join (<relations>) as r on true`, which keeps
 * the relation rows and adds the (always null) query columns. If one query does not compile, the whole
 * statement fails: the caller then bisects to find which (see `bisect`), so a refresh with no broken model
 * stays one round trip and k broken models cost O(k log n) more.
 */
import { randomBytes } from 'node:crypto';
import type { Column, IntrospectionResult, QueryRef } from './warehouse';

export interface DescribeSyntax {
  quoteIdent(name: string): string;
  /** The query as a subquery body: single-statement check plus newlines around it. */
  parenthesize(sql: string): string;
}

export interface DescribeStatement {
  /** The select list and FROM clause for the queries (no relations). */
  selectList: string;
  from: string;
  markers: string[];
}

/** A fresh marker prefix per statement, so no user column can pass for a marker. */
export function markerPrefix(): string {
  return `backflow_${randomBytes(4).toString('hex')}_`;
}

export function describeQueries(sqls: readonly string[], syntax: DescribeSyntax): DescribeStatement {
  const prefix = markerPrefix();
  const markers = sqls.map((_, i) => `${prefix}${i + 1}`);
  const select: string[] = [];
  const from: string[] = [];
  sqls.forEach((sql, i) => {
    const alias = syntax.quoteIdent(`s${i + 1}`);
    select.push(`0 as ${syntax.quoteIdent(markers[i])}`, `${alias}.*`);
    from.push(`(select * from ${syntax.parenthesize(sql)} as ${syntax.quoteIdent('q')} limit 0) as ${alias}`);
  });
  return { selectList: select.join(', '), from: from.join('\ncross join '), markers };
}

/**
 * The columns of the result (from index `offset`, after any relation columns) split per query at the
 * markers. Throws when the markers are not where they should be (the statement was not ours).
 */
export function splitAtMarkers<C extends { name: string }>(
  columns: readonly C[],
  markers: readonly string[],
  offset = 0,
): C[][] {
  const out: C[][] = [];
  let current: C[] | undefined;
  let next = 0;
  for (const column of columns.slice(offset)) {
    if (next < markers.length && column.name.toLowerCase() === markers[next].toLowerCase()) {
      current = [];
      out.push(current);
      next += 1;
    } else if (current) {
      current.push(column);
    } else {
      throw new Error(`internal: describe result starts with ${column.name}, not a marker`);
    }
  }
  if (out.length !== markers.length) {
    throw new Error(`internal: describe result has ${out.length} of ${markers.length} markers`);
  }
  return out;
}

export type Described = { columns: Column[] } | { error: string };

/**
 * Describes `queries` with `describe` (one statement for all of them). When that statement fails, splits
 * the batch in halves and tries again, down to single queries whose error is theirs alone.
 */
export async function bisect(
  queries: readonly QueryRef[],
  describe: (batch: readonly QueryRef[]) => Promise<Column[][]>,
  errorText: (err: unknown) => string,
  out: Map<string, Described> = new Map(),
): Promise<Map<string, Described>> {
  if (queries.length === 0) return out;
  try {
    const columns = await describe(queries);
    queries.forEach((q, i) => out.set(q.id, { columns: columns[i] }));
  } catch (err) {
    if (queries.length === 1) {
      out.set(queries[0].id, { error: errorText(err) });
    } else {
      const half = Math.ceil(queries.length / 2);
      await bisect(queries.slice(0, half), describe, errorText, out);
      await bisect(queries.slice(half), describe, errorText, out);
    }
  }
  return out;
}

/**
 * Groups items into batches whose SQL stays under `maxBytes` (warehouses cap statement text, Snowflake at
 * 1 MB): for ordinary models that is one batch however many there are.
 */
export function batchBySize<T>(items: readonly T[], size: (item: T) => number, maxBytes: number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item) + 64;
    if (current.length > 0 && bytes + n > maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += n;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * The one statement of a batch: the queries' describe select, with the relations' select (when given)
 * riding along through `right join (...) as r on true`, or the relations' select alone.
 */
export function batchStatementText(
  queries: readonly QueryRef[],
  relationsSql: string | undefined,
  syntax: DescribeSyntax,
): { text: string; markers: string[] } {
  if (queries.length === 0) return { text: relationsSql!, markers: [] };
  const d = describeQueries(
    queries.map((q) => q.sql),
    syntax,
  );
  const text = relationsSql
    ? `select r.*, ${d.selectList}\nfrom ${d.from}\nright join (\n${relationsSql}\n) as r on true`
    : `select ${d.selectList}\nfrom ${d.from}`;
  return { text, markers: d.markers };
}

export interface BatchedIntrospection {
  /** The dialect's single-statement form of a model's SQL; throws (with the message to report) when refused. */
  statement(sql: string): string;
  /** The relations' select, run with the first batch; undefined when there are no relations. */
  relationsSql: string | undefined;
  maxStatementBytes: number;
  /** Runs one batch statement, records the relations in `result` when `relationsSql` is given, returns each query's columns. */
  describe(
    queries: readonly QueryRef[],
    relationsSql: string | undefined,
    result: IntrospectionResult,
  ): Promise<Column[][]>;
  errorText(err: unknown): string;
}

/**
 * Introspection in as few statements as the size cap allows (one for ordinary sources): queries the
 * dialect refuses get their error without being sent; when a batch fails, the relations are read alone and
 * the batch is bisected so each broken query gets its own error.
 */
export async function introspectInBatches(
  queries: readonly QueryRef[],
  d: BatchedIntrospection,
): Promise<IntrospectionResult> {
  const result: IntrospectionResult = { relations: new Map(), queries: new Map() };
  const valid: QueryRef[] = [];
  for (const ref of queries) {
    try {
      valid.push({ id: ref.id, sql: d.statement(ref.sql) });
    } catch (err) {
      result.queries.set(ref.id, { error: (err as Error).message });
    }
  }
  if (!d.relationsSql && valid.length === 0) return result;
  const batches =
    valid.length > 0 ? batchBySize(valid, (q) => Buffer.byteLength(q.sql), d.maxStatementBytes) : [[]];
  for (const [index, batch] of batches.entries()) {
    // Relations ride with the first batch.
    const withRelations = index === 0 ? d.relationsSql : undefined;
    if (batch.length === 0 && !withRelations) continue;
    try {
      const described = await d.describe(batch, withRelations, result);
      batch.forEach((q, i) => result.queries.set(q.id, { columns: described[i] }));
    } catch (err) {
      if (batch.length === 0) throw err; // relations alone failed: not a model problem
      if (withRelations) await d.describe([], withRelations, result);
      const found = await bisect(batch, (subset) => d.describe(subset, undefined, result), d.errorText);
      for (const [id, described] of found) result.queries.set(id, described);
    }
  }
  return result;
}
