/**
 * SQL text helpers shared by the warehouse dialects that are not Postgres (Postgres keeps its own lexer in
 * postgres/postgres-sql.ts). A lexer, not a parser: it knows each dialect's strings, quoted identifiers and
 * comments well enough to find top-level `;`, so a model query can never smuggle a second statement.
 */
import { UserError } from '../../errors';

/** How a dialect writes strings, quoted identifiers and comments. */
export interface SqlLexicon {
  /** Characters that open and close a quoted identifier (doubled to escape): `"` or `` ` ``. */
  identifierQuotes: readonly string[];
  /** Characters that open and close a string literal. */
  stringQuotes: readonly string[];
  /** Backslash escapes the next character inside strings (and backtick identifiers in BigQuery). */
  backslashEscapes: boolean;
  /** `# comment` to the end of the line (BigQuery). */
  hashComments: boolean;
  /** `// comment` to the end of the line (Snowflake). */
  slashComments: boolean;
  /** `$$ ... $$` strings (Snowflake). */
  dollarStrings: boolean;
  /** `'''...'''` and `"""..."""` strings (BigQuery). */
  tripleQuotedStrings: boolean;
  /** Raw-string prefixes such as r'...' / b'...' are plain strings for our purposes: nothing to do. */
}

function skipLine(sql: string, i: number): number {
  const end = sql.indexOf('\n', i);
  return end === -1 ? sql.length : end + 1;
}

function skipBlockComment(sql: string, i: number): number {
  const end = sql.indexOf('*/', i + 2);
  return end === -1 ? sql.length : end + 2;
}

function skipQuoted(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslash && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

/** Offset just past the comment, string or quoted identifier starting at `i`, or -1 when none starts there. */
function skipToken(sql: string, i: number, lx: SqlLexicon): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === '-' && next === '-') return skipLine(sql, i);
  if (lx.slashComments && c === '/' && next === '/') return skipLine(sql, i);
  if (lx.hashComments && c === '#') return skipLine(sql, i);
  if (c === '/' && next === '*') return skipBlockComment(sql, i);
  if (lx.dollarStrings && c === '$' && next === '$') {
    const end = sql.indexOf('$$', i + 2);
    return end === -1 ? sql.length : end + 2;
  }
  if (lx.tripleQuotedStrings && (c === "'" || c === '"') && sql.startsWith(c.repeat(3), i)) {
    let j = i + 3;
    while (j < sql.length) {
      if (sql[j] === '\\') j += 2;
      else if (sql.startsWith(c.repeat(3), j)) return j + 3;
      else j += 1;
    }
    return sql.length;
  }
  if (lx.stringQuotes.includes(c)) return skipQuoted(sql, i, c, lx.backslashEscapes);
  if (lx.identifierQuotes.includes(c)) return skipQuoted(sql, i, c, lx.backslashEscapes && c === '`');
  return -1;
}

/** Offsets of every `;` outside strings, quoted identifiers and comments. */
export function topLevelSemicolons(sql: string, lx: SqlLexicon): number[] {
  const found: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const skipped = skipToken(sql, i, lx);
    if (skipped !== -1) {
      i = skipped;
      continue;
    }
    if (sql[i] === ';') found.push(i);
    i += 1;
  }
  return found;
}

/** True when `text` holds nothing but whitespace and comments. */
export function isBlank(text: string, lx: SqlLexicon): boolean {
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i += 1;
      continue;
    }
    const isComment =
      text.startsWith('--', i) ||
      text.startsWith('/*', i) ||
      (lx.slashComments && text.startsWith('//', i)) ||
      (lx.hashComments && text[i] === '#');
    if (!isComment) return false;
    i = skipToken(text, i, lx);
  }
  return true;
}

/**
 * A model query is one SELECT-like statement that Backflow wraps in its own SELECT. A trailing `;` is
 * dropped; any other top-level `;` is refused before anything is sent.
 */
export function singleStatement(sql: string, lx: SqlLexicon): string {
  if (isBlank(sql, lx)) throw new UserError('the SQL query is empty');
  const semicolons = topLevelSemicolons(sql, lx);
  if (semicolons.length === 0) return sql;
  const first = semicolons[0];
  if (semicolons.length > 1 || !isBlank(sql.slice(first + 1), lx)) {
    throw new UserError(
      `the SQL query must be a single statement, but it has a ";" at offset ${first}`,
      'Remove the semicolon: Backflow wraps a model query in its own SELECT.',
    );
  }
  return sql.slice(0, first);
}

/**
 * A model query as a parenthesised subquery. The newlines matter: a query ending in a line comment would
 * otherwise comment out the closing parenthesis.
 */
export function parenthesize(sql: string, lx: SqlLexicon): string {
  return `(\n${singleStatement(sql, lx)}\n)`;
}
