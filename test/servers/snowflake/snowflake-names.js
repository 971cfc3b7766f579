'use strict';
/**
 * Snowflake's identifier rules on top of DuckDB, which compares identifiers case-insensitively.
 *
 * Snowflake stores an unquoted name upper-cased and a double-quoted one exactly, and compares stored names
 * exactly: `"marts"` is not `MARTS` (docs.snowflake.com/en/sql-reference/identifiers-syntax, "Double-quoted
 * identifiers"). To get the same strictness out of DuckDB, every name is stored in DuckDB encoded so that
 * names differing only in case stay different under DuckDB's case-insensitive comparison: a lower-case
 * character is prefixed with `~` and `~` itself is doubled (`Foo` → `F~o~o`, `FOO` → `FOO`). Upper-case
 * names, the common case, are stored as they are. Whatever leaves the server (result column names, the
 * INFORMATION_SCHEMA views, error messages) is decoded.
 */

/** Snowflake's rule: an unquoted-looking name is upper-cased; `"x"` keeps its case. */
function resolve(name) {
  if (name === undefined || name === null || name === '') return undefined;
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2)
    return name.slice(1, -1).replace(/""/g, '"');
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) ? name.toUpperCase() : name;
}

/** How SHOW commands and error messages print a name: bare when it could be written unquoted, else quoted. */
function showName(name) {
  return /^[A-Z_][A-Z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** A Snowflake name (already resolved) as stored in DuckDB. */
function encodeName(name) {
  let out = '';
  for (const ch of String(name)) {
    if (ch === '~') out += '~~';
    else if (ch !== ch.toUpperCase()) out += `~${ch}`;
    else out += ch;
  }
  return out;
}

/** A DuckDB name back to the Snowflake name. */
function decodeName(name) {
  return String(name).replace(/~([\s\S])/gu, '$1');
}

/** The same decoding as a DuckDB expression, for the INFORMATION_SCHEMA views. */
function decodeSql(expr) {
  return `regexp_replace(${expr}, '(?s)~(.)', '\\1', 'g')`;
}

module.exports = { resolve, showName, encodeName, decodeName, decodeSql };
