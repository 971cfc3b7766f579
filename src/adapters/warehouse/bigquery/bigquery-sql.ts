/**
 * BigQuery (GoogleSQL) text: backtick quoting, string literals, statement checks, and the names Backflow
 * gives its tables. Dataset and table names are case-sensitive and taken exactly; column names are
 * case-insensitive, and reported as the warehouse stores them.
 */
import { createHash } from 'node:crypto';
import { UserError } from '../../../errors';
import { parenthesize, singleStatement, type SqlLexicon } from '../sql-text';

export const BIGQUERY_LEXICON: SqlLexicon = {
  identifierBackslash: true,
  nestedComments: false,
  identifierQuotes: ['`'],
  stringQuotes: ["'", '"'],
  backslashEscapes: true,
  hashComments: true,
  slashComments: false,
  dollarStrings: false,
  tripleQuotedStrings: true,
};

function rejectControl(value: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(value))
    throw new UserError(`${what} ${JSON.stringify(value)} contains a control character`);
}

/** `` a`b `` → `` `a\`b` ``: backslash escapes backslashes and backticks inside a quoted identifier. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new UserError('empty identifier');
  rejectControl(name, 'identifier');
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** A string literal: backslash and quote escaped with backslashes. */
export function quoteLiteral(value: string): string {
  rejectControl(value, 'string literal');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `` `project`.`dataset`.`table` `` from its parts. */
export function qualified(...parts: string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** BigQuery table names: letters, marks, numbers, connectors, dashes and spaces, at most 1024 characters. */
const TABLE_NAME = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd} ]{1,1024}$/u;

/**
 * A table name BigQuery accepts for `name`: unchanged when valid, else every other character replaced by
 * `_` and a hash of the original appended, so different names never share a table.
 */
export function fitTableName(name: string): string {
  if (TABLE_NAME.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  const cleaned = Array.from(name)
    .map((c) => (/[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}]/u.test(c) ? c : '_'))
    .join('')
    .slice(0, 1000);
  return `${cleaned}_${hash}`;
}

export function bigQueryStatement(sql: string): string {
  return singleStatement(sql, BIGQUERY_LEXICON);
}

export function bigQuerySubquery(sql: string): string {
  return parenthesize(sql, BIGQUERY_LEXICON);
}
