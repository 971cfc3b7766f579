/**
 * Postgres SQL text helpers: quoting and statement checks. Everything Backflow splices into SQL goes
 * through here, so names with quotes, spaces, unicode or injection attempts stay inert data.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../../errors';

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

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * Offsets of every `;` outside strings, quoted identifiers, dollar quotes and comments. A lexer, not a
 * parser: enough to know whether text is one statement.
 */
export function topLevelSemicolons(sql: string): number[] {
  const found: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      const escaped = i > 0 && /[eE]/.test(sql[i - 1]) && (i < 2 || !IDENT_CHAR.test(sql[i - 2]));
      i = skipQuoted(sql, i, "'", escaped);
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '$' && (i === 0 || !IDENT_CHAR.test(sql[i - 1]))) {
      const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? sql.length : close + tag[0].length;
      } else {
        i += 1; // `$1` parameter
      }
    } else {
      if (c === ';') found.push(i);
      i += 1;
    }
  }
  return found;
}

function skipBlockComment(sql: string, start: number): number {
  // Postgres block comments nest.
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2;
    } else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/** True when `text` holds nothing but whitespace and comments. */
function isBlank(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i += 1;
    } else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      i = skipBlockComment(text, i);
    } else {
      return false;
    }
  }
  return true;
}

/**
 * A model query is one SELECT-like statement that Backflow wraps (`select * from (<sql>) q ...`). A
 * trailing `;` is dropped as harmless; any other top-level `;` is refused before anything is sent, so a
 * query can never smuggle a second statement.
 */
export function singleStatement(sql: string): string {
  if (isBlank(sql)) throw new UserError('the SQL query is empty');
  const semicolons = topLevelSemicolons(sql);
  if (semicolons.length === 0) return sql;
  const first = semicolons[0];
  const rest = sql.slice(first + 1);
  if (semicolons.length > 1 || !isBlank(rest)) {
    throw new UserError(
      `the SQL query must be a single statement, but it has a ";" at offset ${first}`,
      'Remove the semicolon: Backflow wraps a model query in its own SELECT.',
    );
  }
  return sql.slice(0, first);
}

/**
 * Wraps a model query as a subquery. The newlines matter: a query ending in a `--` comment would
 * otherwise comment out the closing parenthesis.
 */
export function asSubquery(sql: string, alias = 'q'): string {
  return `(\n${singleStatement(sql)}\n) as ${quoteIdent(alias)}`;
}
