/**
 * Databricks SQL text: backtick quoting (a backtick is doubled), string literals (backslash escapes are
 * on by default), statement checks, Unity Catalog three-level names. Unity Catalog stores catalog, schema
 * and table names in lower case and matches them case-insensitively: names are compared lower-cased.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../../errors';
import { parenthesize, singleStatement, type SqlLexicon } from '../sql-text';

export const DATABRICKS_LEXICON: SqlLexicon = {
  nestedComments: true,
  rawStrings: true,
  lineCommentContinuation: true,
  identifierQuotes: ['`'],
  stringQuotes: ["'", '"'],
  backslashEscapes: true,
  hashComments: false,
  slashComments: false,
  dollarStrings: false,
  tripleQuotedStrings: false,
};

export function quoteIdent(name: string): string {
  if (name.length === 0) throw new UserError('empty identifier');
  if (name.includes('\u0000'))
    throw new UserError(`identifier ${JSON.stringify(name)} contains a NUL character`);
  return `\`${name.replace(/`/g, '``')}\``;
}

export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new UserError('string literal contains a NUL character');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `` `catalog`.`schema`.`table` `` */
export function qualified(...parts: string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** Unity Catalog's form of a name: lower case. */
export function ucName(name: string): string {
  return name.toLowerCase();
}

/**
 * A table name Unity Catalog stores as given: lower case letters, digits and `_`, at most 255 characters.
 * Anything else is replaced by `_` and a hash of the original is appended, so names never collide.
 */
export function fitTableName(name: string): string {
  const lower = name.toLowerCase();
  if (/^[a-z0-9_]{1,255}$/.test(lower) && lower === name) return name;
  const cleaned = lower.replace(/[^a-z0-9_]/g, '_').slice(0, 240);
  if (cleaned === lower && lower.length <= 255) return cleaned;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${cleaned}_${hash}`;
}

export function databricksStatement(sql: string): string {
  return singleStatement(sql, DATABRICKS_LEXICON);
}

export function databricksSubquery(sql: string): string {
  return parenthesize(sql, DATABRICKS_LEXICON);
}
