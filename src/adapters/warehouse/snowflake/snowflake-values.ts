/**
 * Snowflake type names and JSON-safe preview values. Query columns (result metadata) and relation columns
 * (INFORMATION_SCHEMA) are named the same way: NUMBER(p,s), FLOAT, VARCHAR, BOOLEAN, DATE, TIME,
 * TIMESTAMP_NTZ/LTZ/TZ, BINARY, VARIANT, OBJECT, ARRAY.
 */
import type { SnowflakeColumn } from './snowflake-driver';

const RESULT_TYPES: Record<string, string> = {
  real: 'FLOAT',
  text: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'DATE',
  time: 'TIME',
  timestamp_ntz: 'TIMESTAMP_NTZ',
  timestamp_ltz: 'TIMESTAMP_LTZ',
  timestamp_tz: 'TIMESTAMP_TZ',
  binary: 'BINARY',
  variant: 'VARIANT',
  object: 'OBJECT',
  array: 'ARRAY',
  map: 'MAP',
  vector: 'VECTOR',
};

/** A result column's type (from the SDK's column metadata). */
export function resultTypeName(column: Pick<SnowflakeColumn, 'type' | 'precision' | 'scale'>): string {
  const kind = column.type.toLowerCase();
  if (kind === 'fixed') return `NUMBER(${column.precision ?? 38},${column.scale ?? 0})`;
  return RESULT_TYPES[kind] ?? kind.toUpperCase();
}

const INFORMATION_SCHEMA_TYPES: Record<string, string> = {
  TEXT: 'VARCHAR',
  VARCHAR: 'VARCHAR',
  REAL: 'FLOAT',
  DOUBLE: 'FLOAT',
};

/** A relation column's type from INFORMATION_SCHEMA.COLUMNS (data_type, numeric precision and scale). */
export function informationSchemaTypeName(
  dataType: string,
  precision: number | null,
  scale: number | null,
): string {
  const upper = dataType.toUpperCase();
  if (upper === 'NUMBER' || upper === 'DECIMAL' || upper === 'NUMERIC') {
    return `NUMBER(${precision ?? 38},${scale ?? 0})`;
  }
  return INFORMATION_SCHEMA_TYPES[upper] ?? upper;
}

function iso(value: Date, withZone: boolean): string {
  const text = value.toISOString();
  return withZone ? text : text.replace(/Z$/, '');
}

/**
 * One cell as JSON can carry it faithfully: NUMBER as the exact decimal string (fetched as string), FLOAT
 * as a number when finite, dates and times as ISO 8601 text, binary as hex, semi-structured as parsed JSON.
 */
export function jsonSafe(value: unknown, column: SnowflakeColumn): unknown {
  if (value === null || value === undefined) return null;
  const kind = column.type.toLowerCase();
  if (kind === 'real') {
    const n = Number(value);
    return Number.isFinite(n) ? n : String(value);
  }
  if (kind === 'fixed') return String(value);
  if (value instanceof Date) {
    if (kind === 'date') return value.toISOString().slice(0, 10);
    return iso(value, kind !== 'timestamp_ntz');
  }
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'bigint') return value.toString();
  return value;
}
