/**
 * BigQuery type names and JSON-safe preview values from the REST representation (rows of { f: [{ v }] },
 * TIMESTAMP as int64 microseconds). Types are named as GoogleSQL and INFORMATION_SCHEMA name them: INT64,
 * FLOAT64, BOOL, STRING, NUMERIC, TIMESTAMP, ARRAY<...>, STRUCT<...>.
 */
import type { Field } from './bigquery-driver';

const NAMES: Record<string, string> = {
  INTEGER: 'INT64',
  INT64: 'INT64',
  FLOAT: 'FLOAT64',
  FLOAT64: 'FLOAT64',
  BOOLEAN: 'BOOL',
  BOOL: 'BOOL',
  RECORD: 'STRUCT',
};

export function fieldTypeName(field: Field): string {
  const base = NAMES[field.type] ?? field.type;
  const inner =
    base === 'STRUCT'
      ? `STRUCT<${(field.fields ?? []).map((f) => `${f.name} ${fieldTypeName(f)}`).join(', ')}>`
      : base;
  return field.mode === 'REPEATED' ? `ARRAY<${inner}>` : inner;
}

/** int64 microseconds since the epoch → ISO 8601 UTC, keeping microseconds when there are any. */
export function microsToIso(micros: string): string {
  const m = BigInt(micros);
  const ms = m / 1000n;
  const rest = Number(((m % 1000n) + 1000n) % 1000n);
  const iso = new Date(Number(ms)).toISOString();
  return rest === 0 ? iso : iso.replace(/Z$/, `${String(rest).padStart(3, '0')}Z`);
}

function scalar(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'FLOAT':
    case 'FLOAT64': {
      const n = Number(value);
      return Number.isFinite(n) ? n : String(value);
    }
    case 'BOOLEAN':
    case 'BOOL':
      return value === true || value === 'true';
    case 'TIMESTAMP':
      return /^-?\d+$/.test(String(value)) ? microsToIso(String(value)) : String(value);
    case 'JSON':
      try {
        return JSON.parse(String(value));
      } catch {
        return String(value);
      }
    default:
      // INT64, NUMERIC, BIGNUMERIC as exact strings; DATE, DATETIME, TIME, BYTES (base64), GEOGRAPHY as sent.
      return String(value);
  }
}

export function jsonSafe(cell: unknown, field: Field): unknown {
  if (cell === null || cell === undefined) return null;
  if (field.mode === 'REPEATED') {
    return (cell as { v: unknown }[]).map((item) => jsonSafe(item.v, { ...field, mode: 'NULLABLE' }));
  }
  if (field.type === 'RECORD' || field.type === 'STRUCT') {
    const values = (cell as { f: { v: unknown }[] }).f;
    const out: Record<string, unknown> = {};
    (field.fields ?? []).forEach((f, i) => (out[f.name] = jsonSafe(values[i]?.v, f)));
    return out;
  }
  return scalar(cell, field.type);
}

export function rowToObject(row: { f: { v: unknown }[] }, fields: readonly Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  fields.forEach((field, i) => (out[field.name] = jsonSafe(row.f[i]?.v, field)));
  return out;
}
