'use strict';
/**
 * DuckDB errors rewritten the way Snowflake reports the same failure: error code, SQL state and message
 * shape, as the snowflake-sdk surfaces them (`err.code`, `err.sqlState`, `err.message`). The shapes are
 * those Snowflake returns (docs.snowflake.com/en/user-guide/troubleshooting-sql-errors and the error
 * tables in snowflake-jdbc's SnowflakeSQLException tests):
 *
 *   002003 / 02000  SQL compilation error:\nSchema 'DB.S' does not exist or not authorized.
 *   002003 / 02000  SQL compilation error:\nDatabase 'DB' does not exist or not authorized.
 *   002003 / 42S02  SQL compilation error:\nObject 'DB.S.T' does not exist or not authorized.
 *   000904 / 42000  SQL compilation error: error line 1 at position 7\ninvalid identifier 'X'
 *   002002 / 42710  SQL compilation error:\nObject 'T' already exists.
 *   002140 / 42601  SQL compilation error:\nUnknown function F
 *   001003 / 42000  SQL compilation error:\nsyntax error ...
 *
 * Names are printed as Snowflake prints them: qualified as the statement wrote them, bare when they could
 * be written unquoted, double-quoted otherwise (`Object 'ANALYTICS."marts".T'`).
 */
const { decodeName, showName } = require('./snowflake-names');

class SqlError extends Error {
  constructor(code, sqlState, message) {
    super(message);
    this.code = code;
    this.sqlState = sqlState;
  }
}

/** Every dotted name in the statement, resolved: [{ parts: ['DB', 'S', 'T'], offset }]. */
function dottedNames(tokens) {
  const out = [];
  let offset = 0;
  const positions = tokens.map((t) => {
    const at = offset;
    offset += t.text.length;
    return at;
  });
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== 'ident' && t.type !== 'qident') continue;
    const parts = [t.type === 'qident' ? t.value : t.text.toUpperCase()];
    let j = i + 1;
    while (
      tokens[j] &&
      tokens[j].text === '.' &&
      tokens[j + 1] &&
      (tokens[j + 1].type === 'ident' || tokens[j + 1].type === 'qident')
    ) {
      const n = tokens[j + 1];
      parts.push(n.type === 'qident' ? n.value : n.text.toUpperCase());
      j += 2;
    }
    out.push({ parts, offset: positions[i] });
    i = j - 1;
  }
  return out;
}

const show = (parts) => parts.map(showName).join('.');
const unquote = (s) => decodeName(String(s).replace(/^"(.*)"$/s, '$1'));

/** Line (1-based) and position (0-based) of a character offset, as Snowflake counts them. */
function where(sql, offset) {
  const before = sql.slice(0, offset);
  const line = before.split('\n').length;
  return { line, position: offset - (before.lastIndexOf('\n') + 1) };
}

/**
 * @param {Error} err the DuckDB error
 * @param {{ sql: string, tokens: object[], database: string | null }} statement
 */
function duckError(err, statement) {
  const message = String((err && err.message) || err)
    .split('\n\nLINE')[0]
    .split('\nDid you mean')[0]
    .split('\nCandidate bindings')[0]
    .trim();
  const names = dottedNames(statement.tokens);
  const schemaRef = (schema) => {
    const ref = names.find((n) => n.parts.length >= 2 && n.parts[n.parts.length - 2] === schema);
    if (ref && ref.parts.length >= 3) return ref.parts.slice(-3, -1);
    return [statement.database || 'NULL', schema];
  };
  let m;
  if (err && err.syntax) return new SqlError('001003', '42000', `SQL compilation error:\n${message}`);
  if ((m = /^Parser Error: (.*)$/s.exec(message)))
    return new SqlError('001003', '42000', `SQL compilation error:\nsyntax error line 1 ${m[1]}`);
  if (
    (m = /^Catalog Error: Table with name (.+) does not exist because schema (.+) does not exist/.exec(
      message,
    ))
  )
    return schemaMissing(schemaRef(unquote(m[2])));
  if ((m = /^Catalog Error: Schema with name (.+) does not exist/.exec(message)))
    return schemaMissing(schemaRef(unquote(m[1])));
  if ((m = /^(?:Catalog|Binder) Error: Catalog "?(.+?)"? does not exist/.exec(message)))
    return new SqlError(
      '002003',
      '02000',
      `SQL compilation error:\nDatabase '${showName(unquote(m[1]))}' does not exist or not authorized.`,
    );
  if ((m = /^Catalog Error: (?:Table|View) with name (.+?) does not exist/.exec(message))) {
    const name = unquote(m[1]);
    const ref = names.find((n) => n.parts[n.parts.length - 1] === name);
    return new SqlError(
      '002003',
      '42S02',
      `SQL compilation error:\nObject '${show(ref ? ref.parts : [name])}' does not exist or not authorized.`,
    );
  }
  if ((m = /^Catalog Error: (?:Table|View|Schema) with name (.+?) already exists/.exec(message)))
    return new SqlError(
      '002002',
      '42710',
      `SQL compilation error:\nObject '${showName(unquote(m[1]))}' already exists.`,
    );
  if (
    (m = /^Catalog Error: (?:Scalar|Aggregate|Table) Function with name (.+?) does not exist/.exec(message))
  )
    return new SqlError(
      '002140',
      '42601',
      `SQL compilation error:\nUnknown function ${showName(unquote(m[1]))}`,
    );
  if ((m = /^Binder Error: Referenced column (.+?) not found/.exec(message))) {
    const name = unquote(m[1]);
    const ref = names.find((n) => n.parts[n.parts.length - 1] === name);
    const at = where(statement.sql, ref ? ref.offset : 0);
    return new SqlError(
      '000904',
      '42000',
      `SQL compilation error: error line ${at.line} at position ${at.position}\ninvalid identifier '${showName(name)}'`,
    );
  }
  if ((m = /^Binder Error: (.*)$/s.exec(message)))
    return new SqlError('002016', '42601', `SQL compilation error:\n${decodeName(m[1])}`);
  return new SqlError('100038', '22018', decodeName(message.replace(/^[A-Za-z ]+ Error: /, '')));
}

function schemaMissing(parts) {
  return new SqlError(
    '002003',
    '02000',
    `SQL compilation error:\nSchema '${show(parts)}' does not exist or not authorized.`,
  );
}

module.exports = { SqlError, duckError, dottedNames };
