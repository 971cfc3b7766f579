'use strict';
/**
 * DuckDB errors rewritten as a Databricks SQL warehouse reports them: `[ERROR_CLASS] message. SQLSTATE: xxxxx`
 * with the SQL state also in the Thrift status (error classes: docs.databricks.com/en/error-messages/
 * error-classes.html; sqlstates: docs.databricks.com/en/error-messages/sqlstates.html):
 *
 *   TABLE_OR_VIEW_NOT_FOUND 42P01   a table reference that does not resolve (schema missing or not)
 *   SCHEMA_NOT_FOUND 42704          DDL in a schema that does not exist
 *   UNRESOLVED_COLUMN.WITH_SUGGESTION / .WITHOUT_SUGGESTION 42703
 *   UNRESOLVED_ROUTINE 42883, PARSE_SYNTAX_ERROR 42601, TABLE_OR_VIEW_ALREADY_EXISTS 42P07
 *
 * Names are printed back-quoted as the statement wrote them (`main`.`marts`.`nope`). Privilege errors
 * (INSUFFICIENT_PERMISSIONS, PERMISSION_DENIED) are raised by the server's Unity Catalog checks.
 */
const { tokenize } = require('../shared/sql-tokens');

const LEXICON = { backtickIdents: true, doubleQuoteStrings: true, backslashEscapes: true };

class SqlError extends Error {
  constructor(message, sqlState, extra = {}) {
    super(message);
    this.sqlState = sqlState;
    Object.assign(this, extra);
  }
}

const tick = (name) => `\`${String(name).replace(/`/g, '``')}\``;
const unq = (s) => String(s).replace(/^"(.*)"$/s, '$1');

/** The dotted name in `sql` whose last part is `name` (case-insensitively, as Spark resolves), as written. */
function writtenName(sql, name) {
  let tokens;
  try {
    tokens = tokenize(sql, LEXICON).filter((t) => t.type !== 'ws' && t.type !== 'comment');
  } catch {
    return [name];
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== 'ident' && t.type !== 'qident') continue;
    const parts = [t.type === 'qident' ? t.value : t.text];
    let j = i + 1;
    while (tokens[j]?.text === '.' && (tokens[j + 1]?.type === 'ident' || tokens[j + 1]?.type === 'qident')) {
      parts.push(tokens[j + 1].type === 'qident' ? tokens[j + 1].value : tokens[j + 1].text);
      j += 2;
    }
    if (parts[parts.length - 1].toLowerCase() === String(name).toLowerCase()) return parts;
    i = j - 1;
  }
  return [name];
}

function position(sql, name) {
  const at = sql.toLowerCase().indexOf(String(name).toLowerCase());
  const before = sql.slice(0, Math.max(0, at));
  return `line ${before.split('\n').length} pos ${at < 0 ? 0 : at - (before.lastIndexOf('\n') + 1)}`;
}

function ucError(err, sql) {
  const message = String((err && err.message) || err)
    .split('\n\nLINE')[0]
    .split('\nDid you mean')[0];
  const [first, candidates] = message.split('\nCandidate bindings: ');
  let m;
  if (err && err.syntax)
    return new SqlError(`[PARSE_SYNTAX_ERROR] Syntax error: ${message}. SQLSTATE: 42601`, '42601', {
      syntax: true,
    });
  if ((m = /^Parser Error: (.*)$/s.exec(first))) {
    const near = /at or near "([^"]*)"/.exec(m[1])?.[1] ?? 'end of input';
    return new SqlError(`[PARSE_SYNTAX_ERROR] Syntax error at or near '${near}'. SQLSTATE: 42601`, '42601', {
      syntax: true,
    });
  }
  if (
    (m = /(?:Table|View) with name (.+?) does not exist because schema/.exec(first)) ||
    (m = /(?:Table|View) with name (.+?) does not exist/.exec(first))
  ) {
    const name = unq(m[1]).split('.').pop();
    const written = writtenName(sql, name).map(tick).join('.');
    return new SqlError(
      `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${written} cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS. SQLSTATE: 42P01; ${position(sql, name)}`,
      '42P01',
    );
  }
  if ((m = /Schema with name (.+?) does not exist/.exec(first))) {
    const name = unq(m[1]);
    const written = writtenName(sql, name).map(tick).join('.');
    return new SqlError(
      `[SCHEMA_NOT_FOUND] The schema ${written} cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a catalog, verify the current_schema() output, or qualify the name with the correct catalog.\nTo tolerate the error on drop use DROP SCHEMA IF EXISTS. SQLSTATE: 42704`,
      '42704',
    );
  }
  if ((m = /Referenced column (.+?) not found/.exec(first))) {
    const name = unq(m[1]);
    if (candidates) {
      const list = candidates
        .split(', ')
        .map((c) => tick(unq(c.trim()).split('.').pop()))
        .join(', ');
      return new SqlError(
        `[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name ${tick(name)} cannot be resolved. Did you mean one of the following? [${list}]. SQLSTATE: 42703; ${position(sql, name)}`,
        '42703',
      );
    }
    return new SqlError(
      `[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter with name ${tick(name)} cannot be resolved. SQLSTATE: 42703; ${position(sql, name)}`,
      '42703',
    );
  }
  if ((m = /Function with name (.+?) does not exist/.exec(first)))
    return new SqlError(
      `[UNRESOLVED_ROUTINE] Cannot resolve routine ${tick(unq(m[1]))} on search path [\`system\`.\`builtin\`, \`system\`.\`session\`]. SQLSTATE: 42883`,
      '42883',
    );
  if ((m = /(?:Table|View) with name (.+?) already exists/.exec(first)))
    return new SqlError(
      `[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view ${tick(unq(m[1]))} because it already exists. SQLSTATE: 42P07`,
      '42P07',
    );
  return new SqlError(`[INTERNAL_ERROR] ${first}`, 'XX000');
}

module.exports = { SqlError, ucError, writtenName };
