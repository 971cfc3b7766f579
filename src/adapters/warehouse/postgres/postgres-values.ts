/**
 * JSON-safe row values for previews. `pg`'s defaults lose precision (numeric → float is lossy, bigint
 * would overflow) or shift dates into the local time zone, so previews parse only what JSON can carry
 * faithfully and keep everything else as the server's text.
 */
import type { CustomTypesConfig } from 'pg';
import type { PgModule } from './postgres-driver';

/** Built-in type OIDs (pg_type.oid) Backflow names without asking the server. */
export const BUILTIN_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [16, 'boolean'],
  [17, 'bytea'],
  [18, '"char"'],
  [19, 'name'],
  [20, 'bigint'],
  [21, 'smallint'],
  [23, 'integer'],
  [25, 'text'],
  [26, 'oid'],
  [114, 'json'],
  [700, 'real'],
  [701, 'double precision'],
  [1042, 'character'],
  [1043, 'character varying'],
  [1082, 'date'],
  [1083, 'time without time zone'],
  [1114, 'timestamp without time zone'],
  [1184, 'timestamp with time zone'],
  [1186, 'interval'],
  [1266, 'time with time zone'],
  [1700, 'numeric'],
  [2950, 'uuid'],
  [3802, 'jsonb'],
]);

const identity = (text: string): string => text;

const finiteOrText = (text: string): number | string => {
  const n = Number(text);
  return Number.isFinite(n) ? n : text; // NaN and Infinity are not JSON
};

/** `2024-01-02 03:04:05.678` → `2024-01-02T03:04:05.678`, leaving `infinity` and BC dates alone. */
const isoLocal = (text: string): string =>
  /^\d{4,}-\d\d-\d\d \d/.test(text) ? text.replace(' ', 'T') : text;

/** A timestamptz in any session time zone → UTC ISO 8601 with `Z`. */
const isoUtc = (text: string): string => {
  if (!/^\d{4,}-\d\d-\d\d \d/.test(text) || / BC$/.test(text)) return text;
  const withZone = text
    .replace(' ', 'T')
    .replace(/([+-]\d\d)$/, '$1:00')
    .replace(/([+-]\d\d):?(\d\d):(\d\d)$/, '$1:$2');
  const date = new Date(withZone);
  return Number.isNaN(date.getTime()) ? text : date.toISOString();
};

/** Types whose default `pg` parsers already give exact JSON values. */
const SAFE_DEFAULTS = new Set([16, 21, 23, 26, 114, 3802, 25, 1043, 1042, 19, 2950]);

/** Text-format parsers for a preview query. */
export function jsonSafeTypes(pg: PgModule): CustomTypesConfig {
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return pg.types.getTypeParser(oid, 'binary');
    if (SAFE_DEFAULTS.has(oid)) return pg.types.getTypeParser(oid, 'text');
    switch (oid) {
      case 700:
      case 701:
        return finiteOrText;
      case 1114:
        return isoLocal;
      case 1184:
        return isoUtc;
      default:
        // bigint, numeric, date, time, interval, bytea (as \x hex), arrays, enums, ...: the server's text.
        return identity;
    }
  }) as CustomTypesConfig['getTypeParser'];
  return { getTypeParser };
}
