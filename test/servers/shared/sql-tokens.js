'use strict';
/**
 * A small SQL tokenizer for the protocol-level test servers. They execute each warehouse's SQL on DuckDB,
 * after a lexical translation of what differs: identifier case (Snowflake folds unquoted names to upper
 * case), quoting (backticks in BigQuery and Databricks), string escapes, comments, a few function names.
 * Tokens: { type: 'ws' | 'comment' | 'string' | 'ident' | 'qident' | 'number' | 'punct', text, value }.
 * `value` is the decoded content of strings and quoted identifiers.
 *
 * Options: { backtickIdents, backtickBackslash, doubleQuoteStrings, backslashEscapes, hashComments,
 *            slashComments, dollarStrings, tripleQuotes }
 */

function decodeQuoted(body, quote, backslash) {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (backslash && c === '\\' && i + 1 < body.length) {
      const n = body[++i];
      out += { n: '\n', t: '\t', r: '\r', 0: '\0', b: '\b', f: '\f' }[n] ?? n;
    } else if (c === quote && body[i + 1] === quote) {
      out += quote;
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

function scanQuoted(sql, start, quote, backslash) {
  let i = start + 1;
  while (i < sql.length) {
    if (backslash && sql[i] === '\\') i += 2;
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  throw Object.assign(new Error(`unterminated ${quote} at offset ${start}`), { syntax: true });
}

function tokenize(sql, o = {}) {
  const tokens = [];
  let i = 0;
  const push = (type, end, value) => {
    tokens.push({ type, text: sql.slice(i, end), value });
    i = end;
  };
  while (i < sql.length) {
    const c = sql[i];
    const n = sql[i + 1];
    if (/\s/.test(c)) {
      let j = i;
      while (j < sql.length && /\s/.test(sql[j])) j++;
      push('ws', j);
    } else if (
      (c === '-' && n === '-') ||
      (o.slashComments && c === '/' && n === '/') ||
      (o.hashComments && c === '#')
    ) {
      const end = sql.indexOf('\n', i);
      push('comment', end === -1 ? sql.length : end);
    } else if (c === '/' && n === '*') {
      const end = sql.indexOf('*/', i + 2);
      push('comment', end === -1 ? sql.length : end + 2);
    } else if (o.dollarStrings && c === '$' && n === '$') {
      const end = sql.indexOf('$$', i + 2);
      if (end === -1) throw Object.assign(new Error('unterminated $$ string'), { syntax: true });
      push('string', end + 2, sql.slice(i + 2, end));
    } else if (o.tripleQuotes && (c === "'" || c === '"') && sql.startsWith(c.repeat(3), i)) {
      let j = i + 3;
      while (j < sql.length && !sql.startsWith(c.repeat(3), j)) j += sql[j] === '\\' ? 2 : 1;
      push('string', j + 3, decodeQuoted(sql.slice(i + 3, j), '\u0000', o.backslashEscapes));
    } else if (c === "'" || (o.doubleQuoteStrings && c === '"')) {
      const end = scanQuoted(sql, i, c, o.backslashEscapes);
      push('string', end, decodeQuoted(sql.slice(i + 1, end - 1), c, o.backslashEscapes));
    } else if (c === '"' || (o.backtickIdents && c === '`')) {
      // BigQuery escapes a backtick with a backslash; Spark doubles it.
      const backslash = c === '`' && !!o.backtickBackslash;
      const end = scanQuoted(sql, i, c, backslash);
      push('qident', end, decodeQuoted(sql.slice(i + 1, end - 1), c, backslash));
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j])) j++;
      // BigQuery's region qualifier `region-us` is written unquoted too.
      push('ident', j, sql.slice(i, j));
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < sql.length && /[0-9.eE]/.test(sql[j])) j++;
      push('number', j);
    } else {
      push('punct', i + 1);
    }
  }
  return tokens;
}

/** DuckDB spelling of an identifier and a string. */
const quoteIdent = (name) => `"${String(name).replace(/"/g, '""')}"`;
const quoteString = (value) => `'${String(value).replace(/'/g, "''")}'`;

/** Whether the statement (ignoring comments) starts with one of the words. */
function firstWords(tokens, count = 3) {
  return tokens
    .filter((t) => t.type === 'ident')
    .slice(0, count)
    .map((t) => t.text.toUpperCase());
}

module.exports = { tokenize, quoteIdent, quoteString, firstWords };
