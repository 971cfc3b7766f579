/**
 * One SQL lexer for every warehouse, configured per dialect. A lexer, not a parser: it knows each
 * dialect's strings, quoted identifiers and comments exactly as that warehouse's own lexer does, well
 * enough to find top-level `;`, so a model query can never smuggle a second statement.
 *
 * Exactness matters in both directions: a comment that ends earlier (or later) here than on the warehouse
 * lets a quote that one side sees as code open a string that hides a `;` from the other. So each rule
 * below follows the warehouse's grammar (Postgres scan.l, ZetaSQL's lexer, Spark's SqlBaseLexer.g4,
 * Snowflake's documentation), and text that ends inside a string, quoted identifier or block comment is
 * refused outright: valid SQL never does, and it is where lexers disagree.
 */
import { UserError } from '../../errors';

/** How a dialect writes strings, quoted identifiers and comments. */
export interface SqlLexicon {
  /** Characters that open and close a quoted identifier (doubled to escape): `"` or `` ` ``. */
  identifierQuotes: readonly string[];
  /** Backslash escapes the next character inside quoted identifiers too (BigQuery backticks). */
  identifierBackslash?: boolean;
  /** Characters that open and close a string literal (a doubled quote stays inside). */
  stringQuotes: readonly string[];
  /** Backslash escapes the next character inside every string (Redshift, Snowflake, BigQuery, Databricks). */
  backslashEscapes: boolean;
  /** `E'...'` strings take backslash escapes even though plain ones do not (Postgres). */
  eStrings?: boolean;
  /** `r'...'` / `R"..."` end at the first matching quote: a backslash is plain text (Databricks). */
  rawStrings?: boolean;
  /** `# comment` to the end of the line (BigQuery). */
  hashComments: boolean;
  /** `// comment` to the end of the line (Snowflake). */
  slashComments: boolean;
  /** A backslash right before the newline continues a `--` comment onto the next line (Spark). */
  lineCommentContinuation?: boolean;
  /** Block comments nest (Postgres, Redshift, Databricks): a comment opened inside one needs its own close. */
  nestedComments?: boolean;
  /** `$$ ... $$` strings (Snowflake). */
  dollarStrings: boolean;
  /** `$tag$ ... $tag$` strings, the tag optional (Postgres, Redshift). */
  taggedDollarStrings?: boolean;
  /** `'''...'''` and `"""..."""` strings (BigQuery). */
  tripleQuotedStrings: boolean;
}

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

class Unterminated extends Error {
  constructor(
    readonly what: string,
    readonly offset: number,
  ) {
    super(`${what} at offset ${offset} is never closed`);
  }
}

/** Every dialect's line comments end at a carriage return as well as a line feed. */
function skipLine(sql: string, i: number, lx: SqlLexicon, continuation: boolean): number {
  let j = i;
  while (j < sql.length) {
    const c = sql[j];
    if (c === '\n' || c === '\r') {
      if (continuation && lx.lineCommentContinuation && sql[j - 1] === '\\' && c === '\n') {
        j += 1;
        continue;
      }
      return j + 1;
    }
    j += 1;
  }
  return sql.length;
}

function skipBlockComment(sql: string, start: number, nested: boolean): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*' && (nested || depth === 0)) {
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
  throw new Unterminated('a /* comment */', start);
}

function skipQuoted(sql: string, start: number, quote: string, backslash: boolean, what: string): number {
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
  throw new Unterminated(what, start);
}

function precededByIdentifier(sql: string, i: number): boolean {
  return i > 0 && IDENT_CHAR.test(sql[i - 1]);
}

/** Offset just past the comment, string or quoted identifier starting at `i`, or -1 when none starts there. */
function skipToken(sql: string, i: number, lx: SqlLexicon): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === '-' && next === '-') return skipLine(sql, i, lx, true);
  if (lx.slashComments && c === '/' && next === '/') return skipLine(sql, i, lx, false);
  if (lx.hashComments && c === '#') return skipLine(sql, i, lx, false);
  if (c === '/' && next === '*') return skipBlockComment(sql, i, lx.nestedComments === true);
  if (lx.taggedDollarStrings && c === '$' && !precededByIdentifier(sql, i)) {
    const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 256));
    if (tag) {
      const close = sql.indexOf(tag[0], i + tag[0].length);
      if (close === -1) throw new Unterminated(`a ${tag[0]} string`, i);
      return close + tag[0].length;
    }
    return -1; // `$1` parameter
  }
  if (lx.dollarStrings && c === '$' && next === '$') {
    const end = sql.indexOf('$$', i + 2);
    if (end === -1) throw new Unterminated('a $$ string', i);
    return end + 2;
  }
  if (lx.tripleQuotedStrings && (c === "'" || c === '"') && sql.startsWith(c.repeat(3), i)) {
    let j = i + 3;
    while (j < sql.length) {
      if (sql[j] === '\\') j += 2;
      else if (sql.startsWith(c.repeat(3), j)) return j + 3;
      else j += 1;
    }
    throw new Unterminated('a triple-quoted string', i);
  }
  if (lx.stringQuotes.includes(c)) {
    const prefix = i > 0 ? sql[i - 1] : '';
    const standalonePrefix = i < 2 || !IDENT_CHAR.test(sql[i - 2]);
    if (lx.rawStrings && /[rR]/.test(prefix) && standalonePrefix) {
      const end = sql.indexOf(c, i + 1);
      if (end === -1) throw new Unterminated('a raw string', i);
      return end + 1;
    }
    const escapes = lx.backslashEscapes || (lx.eStrings === true && /[eE]/.test(prefix) && standalonePrefix);
    return skipQuoted(sql, i, c, escapes, 'a string');
  }
  if (lx.identifierQuotes.includes(c))
    return skipQuoted(sql, i, c, lx.identifierBackslash === true, 'a quoted identifier');
  return -1;
}

function lexOrRefuse<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Unterminated) {
      throw new UserError(
        `the SQL query is not complete: ${err.message}`,
        'Close the string, quoted name or comment: Backflow refuses text whose end it cannot read the way the warehouse does.',
      );
    }
    throw err;
  }
}

/** Offsets of every `;` outside strings, quoted identifiers and comments. */
export function topLevelSemicolons(sql: string, lx: SqlLexicon): number[] {
  return lexOrRefuse(() => {
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
  });
}

/** True when `text` holds nothing but whitespace and comments. */
export function isBlank(text: string, lx: SqlLexicon): boolean {
  return lexOrRefuse(() => {
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
  });
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

/** Postgres (scan.l): standard strings, E'' escapes, tagged dollar quotes, nested block comments. */
export const POSTGRES_LEXICON: SqlLexicon = {
  identifierQuotes: ['"'],
  stringQuotes: ["'"],
  backslashEscapes: false,
  eStrings: true,
  hashComments: false,
  slashComments: false,
  nestedComments: true,
  dollarStrings: false,
  taggedDollarStrings: true,
  tripleQuotedStrings: false,
};

/** Redshift (Postgres 8.0.2's lexer): a backslash escapes the next character in every string literal. */
export const REDSHIFT_LEXICON: SqlLexicon = { ...POSTGRES_LEXICON, backslashEscapes: true };
