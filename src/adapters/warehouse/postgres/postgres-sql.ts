/**
 * Postgres SQL text helpers: quoting and statement checks. Everything Backflow splices into SQL goes
 * through here, so names with quotes, spaces, unicode or injection attempts stay inert data.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../../errors';
import {
  POSTGRES_LEXICON,
  singleStatement as lexSingleStatement,
  topLevelSemicolons as lexTopLevelSemicolons,
  type SqlLexicon,
} from '../sql-text';

/** Postgres truncates identifiers past 63 bytes (NAMEDATALEN - 1), silently. */
export const MAX_IDENTIFIER_BYTES = 63;

function rejectNul(value: string, what: string): void {
  // Postgres text cannot hold NUL; rejecting it here beats a confusing protocol error later.
  if (value.includes('\u0000'))
    throw new UserError(`${what} contains a NUL character, which Postgres cannot store`);
}

/** `a"b` → `"a""b"`: always quoted, so case, spaces and keywords survive as written. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new UserError('empty identifier');
  rejectNul(name, `identifier ${JSON.stringify(name)}`);
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A string literal that means the same whatever `standard_conforming_strings` is: with a backslash in
 * the value we use the E'' form and double the backslashes (the same rule as libpq's PQescapeLiteral).
 */
export function quoteLiteral(value: string): string {
  rejectNul(value, 'string literal');
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** `"schema"."name"`, or just `"name"` when the schema is left to the search path. */
export function qualifiedName(schema: string | undefined, name: string): string {
  return schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
}

/** `array['a','b']::text[]`, for batching values into one statement without bind parameters. */
export function textArrayLiteral(values: readonly string[]): string {
  return `array[${values.map(quoteLiteral).join(', ')}]::text[]`;
}

/**
 * A name that fits Postgres' 63-byte identifiers. Postgres would truncate a longer one silently, so two
 * long snapshot names could land on the same table: past the limit we keep a prefix and add a hash of
 * the full name. Names within the limit are returned unchanged.
 */
export function fitIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  let prefix = Array.from(name);
  while (Buffer.byteLength(`${prefix.join('')}_${hash}`, 'utf8') > MAX_IDENTIFIER_BYTES)
    prefix = prefix.slice(0, -1);
  return `${prefix.join('')}_${hash}`;
}

/**
 * A model query is one SELECT-like statement that Backflow wraps (`select * from (<sql>) q ...`). A
 * trailing `;` is dropped as harmless; any other top-level `;` is refused before anything is sent, so a
 * query can never smuggle a second statement. The lexer is Postgres' own rules (see ../sql-text.ts);
 * the server enforces it too, as every model query is parsed alone (extended protocol).
 */
export function singleStatement(sql: string, lexicon: SqlLexicon = POSTGRES_LEXICON): string {
  return lexSingleStatement(sql, lexicon);
}

/** Offsets of every `;` outside strings, quoted identifiers, dollar quotes and comments. */
export function topLevelSemicolons(sql: string, lexicon: SqlLexicon = POSTGRES_LEXICON): number[] {
  return lexTopLevelSemicolons(sql, lexicon);
}

/**
 * Wraps a model query as a subquery. The newlines matter: a query ending in a `--` comment would
 * otherwise comment out the closing parenthesis.
 */
export function asSubquery(sql: string, alias = 'q', lexicon: SqlLexicon = POSTGRES_LEXICON): string {
  return `(\n${singleStatement(sql, lexicon)}\n) as ${quoteIdent(alias)}`;
}
