'use strict';
/**
 * What Redshift does to SQL text that Postgres would take, for the Redshift proxy (redshift-proxy.js):
 *
 * - Identifiers: Redshift folds every identifier to lower case, double-quoted ones included, unless the
 *   session turns on `enable_case_sensitive_identifier` (docs.aws.amazon.com/redshift/latest/dg/
 *   r_names.html, "Names and identifiers"; r_enable_case_sensitive_identifier.html). Postgres keeps quoted
 *   names as written, so each quoted identifier is lower-cased before the statement reaches it.
 * - Functions Redshift's leader node (Postgres 8.0.2) never had: `unnest`, `array_agg`, `string_agg`,
 *   `json_agg`, `jsonb_*`, `generate_subscripts`, the advisory lock functions (`pg_advisory_xact_lock`, ...)
 *   → 42883 "function ... does not exist"
 *   (docs.aws.amazon.com/redshift/latest/dg/c_unsupported-postgresql-functions.html).
 * - The aggregate `FILTER (WHERE ...)` clause (Postgres 9.4) → 42601 syntax error at or near "(".
 * - Leader-node-only functions and catalogs, and arrays, mixed with user tables (which live on the compute
 *   nodes) → 0A000 "Specified types or functions (one per INFO message) not supported on Redshift tables."
 *   (docs.aws.amazon.com/redshift/latest/dg/c_SQL_functions_leader_node_only.html). Leader-node-only:
 *   format_type, current_schema(s), has_*_privilege, age, now, current_time(stamp), localtime, isfinite,
 *   to_ascii, get/set_bit/byte; catalogs pg_*, information_schema.*, svv_tables, svv_columns.
 *   Arrays: `ARRAY[...]`, `type[]` casts.
 * String literals are read the Redshift way (a backslash escapes), as standard_conforming_strings=off
 * makes Postgres read them (redshift-compat.js).
 */
const { tokenize } = require('../shared/sql-tokens');

const LEXICON = { backslashEscapes: true, dollarStrings: true };
const MISSING_FUNCTIONS = new Set([
  'unnest',
  'array_agg',
  'string_agg',
  'json_agg',
  'json_build_object',
  'jsonb_build_object',
  'jsonb_agg',
  'generate_subscripts',
  'array_length',
  'array_position',
  // Advisory lock functions (Postgres 8.2) are on the same list: Redshift serialises nothing for a client.
  'pg_advisory_lock',
  'pg_advisory_xact_lock',
  'pg_advisory_lock_shared',
  'pg_advisory_xact_lock_shared',
  'pg_try_advisory_lock',
  'pg_try_advisory_xact_lock',
  'pg_advisory_unlock',
  'pg_advisory_unlock_all',
]);
const LEADER_FUNCTIONS = new Set([
  'format_type',
  'current_schema',
  'current_schemas',
  'has_table_privilege',
  'has_schema_privilege',
  'has_database_privilege',
  'age',
  'now',
  'isfinite',
  'to_ascii',
  'get_bit',
  'get_byte',
  'set_bit',
  'set_byte',
]);
const LEADER_KEYWORDS = new Set(['current_time', 'current_timestamp', 'localtime']);
const LEADER_RELATIONS = new Set(['svv_tables', 'svv_columns']);

class Rejection extends Error {
  constructor(code, message, hint) {
    super(message);
    this.code = code;
    this.hint = hint;
  }
}

const quote = (name) => `"${name.replace(/"/g, '""')}"`;

/** Relations named after FROM or JOIN (dotted names, not functions or subqueries), minus CTE names. */
function relations(sig) {
  const word = (k) => (sig[k] && sig[k].type === 'ident' ? sig[k].text.toLowerCase() : undefined);
  const ctes = new Set();
  const out = [];
  for (let k = 0; k < sig.length; k++) {
    const w = word(k);
    if (
      (w === 'with' || sig[k].text === ',') &&
      sig[k + 2] &&
      word(k + 2) === 'as' &&
      sig[k + 3]?.text === '('
    ) {
      const n = sig[k + 1];
      if (n && (n.type === 'ident' || n.type === 'qident'))
        ctes.add(n.type === 'qident' ? n.value : n.text.toLowerCase());
    }
    if (w !== 'from' && w !== 'join') continue;
    const parts = [];
    let j = k + 1;
    while (sig[j] && (sig[j].type === 'ident' || sig[j].type === 'qident')) {
      parts.push(sig[j].type === 'qident' ? sig[j].value.toLowerCase() : sig[j].text.toLowerCase());
      if (sig[j + 1]?.text !== '.') break;
      j += 2;
    }
    if (parts.length === 0 || sig[j + 1]?.text === '(') continue;
    out.push(parts);
  }
  return out.filter((p) => !(p.length === 1 && ctes.has(p[0])));
}

function isLeaderRelation(parts) {
  const name = parts[parts.length - 1];
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
  if (schema === 'pg_catalog' || schema === 'information_schema' || schema === 'redshift_compat') return true;
  return !schema && (name.startsWith('pg_') || LEADER_RELATIONS.has(name));
}

/**
 * Redshift's reading of `sql`: the text to run (quoted identifiers folded), or a Rejection as Redshift
 * would raise it. Text the tokenizer cannot read goes through unchanged (Postgres reports it).
 */
function redshiftRewrite(sql) {
  let tokens;
  try {
    tokens = tokenize(sql, LEXICON);
  } catch {
    return sql;
  }
  const sig = tokens.filter((t) => t.type !== 'ws' && t.type !== 'comment');
  const leaderUses = [];
  sig.forEach((t, k) => {
    const next = sig[k + 1]?.text;
    const prev = sig[k - 1]?.text;
    if (t.type === 'ident') {
      const w = t.text.toLowerCase();
      if (next === '(' && prev !== '.' && MISSING_FUNCTIONS.has(w))
        throw new Rejection(
          '42883',
          `function ${w} does not exist`,
          'No function matches the given name and argument types. You may need to add explicit type casts.',
        );
      if (w === 'filter' && next === '(' && prev === ')' && sig[k + 2] && /^where$/i.test(sig[k + 2].text))
        throw new Rejection('42601', 'syntax error at or near "("');
      if (next === '(' && prev !== '.' && LEADER_FUNCTIONS.has(w)) leaderUses.push(`Function "${w}()"`);
      if (LEADER_KEYWORDS.has(w) && prev !== '.') leaderUses.push(`Function "${w}"`);
      if (w === 'array' && next === '[') leaderUses.push('Type "array"');
    }
    if (t.text === '[' && next === ']') leaderUses.push('Type "array"');
  });
  const rels = relations(sig);
  const leaderRels = rels.filter(isLeaderRelation);
  const userRels = rels.filter((r) => !isLeaderRelation(r));
  if (userRels.length > 0 && (leaderUses.length > 0 || leaderRels.length > 0)) {
    const info = [...leaderUses, ...leaderRels.map((r) => `Relation "${r.join('.')}"`)];
    throw new Rejection(
      '0A000',
      'Specified types or functions (one per INFO message) not supported on Redshift tables.',
      info.map((i) => `${i} not supported.`).join(' '),
    );
  }
  return tokens.map((t) => (t.type === 'qident' ? quote(t.value.toLowerCase()) : t.text)).join('');
}

module.exports = { redshiftRewrite, Rejection };
