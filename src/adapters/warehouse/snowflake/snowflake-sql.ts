/**
 * Snowflake SQL text: identifier case, quoting, literals and statement checks.
 *
 * Case, the Snowflake way: Snowflake stores an unquoted identifier upper-cased (`analytics` is
 * `ANALYTICS`) and a double-quoted one exactly as written. Names in Backflow's config (database,
 * warehouse, role, user, managed schema) follow the same rule: a name that could be written unquoted
 * (letters, digits, `_`, `$`, not starting with a digit or `$`) means its upper-cased form, so the default
 * managed schema `__segment_reverse_etl` is `__SEGMENT_REVERSE_ETL`; any other name (spaces, quotes,
 * unicode, mixed punctuation) is taken exactly; and a name written in double quotes (`"\"MySchema\""`)
 * keeps its case. Backflow then always sends names double-quoted, so what it resolved is what Snowflake
 * uses. Column names are never folded: they are used exactly as Snowflake reports them.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../../errors';
import { parenthesize, singleStatement, type SqlLexicon } from '../sql-text';

export const SNOWFLAKE_LEXICON: SqlLexicon = {
  nestedComments: false,
  identifierQuotes: ['"'],
  stringQuotes: ["'"],
  backslashEscapes: true,
  hashComments: false,
  slashComments: true,
  dollarStrings: true,
  tripleQuotedStrings: false,
};

/** Snowflake identifiers are at most 255 characters. */
export const MAX_IDENTIFIER_LENGTH = 255;

const UNQUOTED = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** The name Snowflake stores for `name` as written in config (see the file comment). */
export function resolveIdentifier(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
    return name.slice(1, -1).replace(/""/g, '"');
  }
  return UNQUOTED.test(name) ? name.toUpperCase() : name;
}

/** `a"b` → `"a""b"`: always quoted, so the name is used exactly as given. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new UserError('empty identifier');
  if (name.includes('\u0000'))
    throw new UserError(`identifier ${JSON.stringify(name)} contains a NUL character`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** A resolved config name, quoted. */
export function quoteName(name: string): string {
  return quoteIdent(resolveIdentifier(name));
}

/** Snowflake single-quoted strings treat backslash as an escape: both `\` and `'` are escaped. */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new UserError('string literal contains a NUL character');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** `"DB"."SCHEMA"."NAME"` from already resolved parts. */
export function qualified(...parts: string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** A name within Snowflake's 255-character limit; longer names keep a prefix and gain a hash of the whole. */
export function fitIdentifier(name: string): string {
  if (name.length <= MAX_IDENTIFIER_LENGTH) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, MAX_IDENTIFIER_LENGTH - 11)}_${hash}`;
}

export function snowflakeStatement(sql: string): string {
  return singleStatement(sql, SNOWFLAKE_LEXICON);
}

export function snowflakeSubquery(sql: string): string {
  return parenthesize(sql, SNOWFLAKE_LEXICON);
}

/**
 * Parses a name as SHOW GRANTS prints it (`DB."odd schema"`, `"x.y".S`) into its parts, unquoting quoted
 * ones. Unquoted parts are already upper-case there.
 */
export function splitQualifiedName(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let j = i + 1;
      let part = '';
      while (j < text.length) {
        if (text[j] === '"' && text[j + 1] === '"') {
          part += '"';
          j += 2;
        } else if (text[j] === '"') {
          break;
        } else {
          part += text[j];
          j += 1;
        }
      }
      parts.push(part);
      i = j + 2; // past the closing quote and the dot
    } else {
      const dot = text.indexOf('.', i);
      const end = dot === -1 ? text.length : dot;
      parts.push(text.slice(i, end));
      i = end + 1;
    }
    if (i > text.length) break;
  }
  return parts;
}
