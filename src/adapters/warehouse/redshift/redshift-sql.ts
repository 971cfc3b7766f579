/**
 * Redshift SQL text. Identifiers quote as in Postgres (and Redshift folds them to lower case unless
 * enable_case_sensitive_identifier is on); string literals do not: Redshift treats a backslash in a
 * literal as an escape and has no E'' strings, so both `\` and `'` are doubled. Identifiers are at most
 * 127 bytes. What Redshift lacks is simply never written here: no arrays, unnest, VALUES lists, FILTER
 * clauses, temporary functions or format_type().
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../../errors';

import {
  asSubquery as postgresSubquery,
  singleStatement as postgresStatement,
} from '../postgres/postgres-sql';
import { REDSHIFT_LEXICON } from '../sql-text';

export { quoteIdent, qualifiedName } from '../postgres/postgres-sql';

/** One statement, read with Redshift's lexer: a backslash escapes the next character in every string. */
export function singleStatement(sql: string): string {
  return postgresStatement(sql, REDSHIFT_LEXICON);
}

export function asSubquery(sql: string, alias = 'q'): string {
  return postgresSubquery(sql, alias, REDSHIFT_LEXICON);
}

export const MAX_IDENTIFIER_BYTES = 127;

/**
 * The name Redshift stores: it folds identifiers, quoted ones included, to lower case (unless a cluster
 * turns on enable_case_sensitive_identifier), so names Backflow compares with its catalogs are folded too.
 */
export function foldName(name: string): string {
  return name.toLowerCase();
}

export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new UserError('string literal contains a NUL character');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A name within Redshift's 127-byte identifiers; longer ones keep a prefix and gain a hash. */
export function fitIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  let prefix = Array.from(name);
  while (Buffer.byteLength(`${prefix.join('')}_${hash}`, 'utf8') > MAX_IDENTIFIER_BYTES)
    prefix = prefix.slice(0, -1);
  return `${prefix.join('')}_${hash}`;
}

/** `PostgreSQL 8.0.2 on i686-pc-linux-gnu, ..., Redshift 1.0.77467` → `Redshift 1.0.77467`, else undefined. */
export function redshiftVersion(version: string): string | undefined {
  const m = /Redshift\s+([\d.]+)/i.exec(version);
  return m ? `Redshift ${m[1]}` : undefined;
}
