/**
 * Redshift type names, from result metadata (type OID and modifier) and from svv_columns, in the words
 * Postgres' format_type uses — Redshift has no format_type(), so Backflow formats them itself.
 */

const NAMES: Record<number, string> = {
  16: 'boolean',
  18: '"char"',
  19: 'name',
  20: 'bigint',
  21: 'smallint',
  23: 'integer',
  25: 'text',
  700: 'real',
  701: 'double precision',
  1042: 'character',
  1043: 'character varying',
  1082: 'date',
  1083: 'time without time zone',
  1114: 'timestamp without time zone',
  1184: 'timestamp with time zone',
  1186: 'interval',
  1266: 'time with time zone',
  1700: 'numeric',
  2935: 'hllsketch',
  3000: 'geometry',
  3999: 'geography',
  4000: 'super',
  6551: 'varbyte',
};

/** A result column's type from its OID and type modifier (lengths and numeric precision). */
export function typeFromOid(oid: number, modifier: number): string {
  const name = NAMES[oid] ?? 'unknown';
  if ((oid === 1042 || oid === 1043) && modifier > 4) return `${name}(${modifier - 4})`;
  if (oid === 1700 && modifier > 4) {
    const m = modifier - 4;
    return `numeric(${(m >> 16) & 0xffff},${m & 0xffff})`;
  }
  return name;
}

/** A relation column's type from svv_columns (data_type, character length, numeric precision and scale). */
export function typeFromCatalog(
  dataType: string,
  length: number | null,
  precision: number | null,
  scale: number | null,
): string {
  const t = dataType.toLowerCase();
  if ((t === 'character varying' || t === 'character') && length !== null) return `${t}(${length})`;
  if (t === 'numeric' && precision !== null) return `numeric(${precision},${scale ?? 0})`;
  return t;
}
