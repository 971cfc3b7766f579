/**
 * The SQL a model produces. SQL models carry it; dbt-backed models get it from the dbt loader once their
 * relation is resolved (`computed.effective_sql`).
 */
import { createHash } from 'node:crypto';

export function modelSql(
  attributes: Record<string, unknown>,
  computed?: Record<string, unknown>,
): string | undefined {
  if (typeof attributes.query === 'string') return attributes.query;
  if (computed && typeof computed.effective_sql === 'string') return computed.effective_sql;
  return undefined;
}

export function sqlHash(sql: string): string {
  return 'sha256:' + createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** `source.NAME` of a model or git sync, from its `source` attribute. */
export function sourceAddressOf(attributes: Record<string, unknown>): string {
  return `source.${String(attributes.source)}`;
}

/** The SQL a planned model change produces: its query, or the select from its resolved dbt relation. */
export function plannedSql(
  after: Record<string, unknown> | null,
  computed?: Record<string, unknown>,
): string | undefined {
  return after ? modelSql(after, computed) : undefined;
}

/** The primary key a planned model change uses: configured, or chosen from the dbt project's candidates. */
export function plannedPrimaryKey(
  after: Record<string, unknown> | null,
  computed?: Record<string, unknown>,
): string | undefined {
  if (typeof after?.primary_key === 'string') return after.primary_key;
  return typeof computed?.primary_key === 'string' ? computed.primary_key : undefined;
}
