/**
 * Type names from result metadata (type OID and modifier), in the words of Postgres' format_type, for
 * the built-in types; anything else (enums, domains, extension types) is asked of the server once.
 * Describing a query by its row description (`select * from (<q>) limit 0`) gives OIDs, not names.
 */
import { BUILTIN_TYPE_NAMES } from './postgres-values';

/** Array type OID → element type OID, for the built-ins. */
const ARRAY_ELEMENTS: ReadonlyMap<number, number> = new Map([
  [1000, 16],
  [1001, 17],
  [1002, 18],
  [1003, 19],
  [1005, 21],
  [1007, 23],
  [1016, 20],
  [1009, 25],
  [1028, 26],
  [199, 114],
  [1021, 700],
  [1022, 701],
  [1014, 1042],
  [1015, 1043],
  [1182, 1082],
  [1183, 1083],
  [1115, 1114],
  [1185, 1184],
  [1187, 1186],
  [1270, 1266],
  [1231, 1700],
  [2951, 2950],
  [3807, 3802],
]);

function withModifier(oid: number, name: string, typmod: number): string | undefined {
  if (typmod < 0) return oid === 1042 ? 'bpchar' : name; // format_type(bpchar, -1) says bpchar
  switch (oid) {
    case 1042:
    case 1043:
      return `${name}(${typmod - 4})`;
    case 1700: {
      const m = typmod - 4;
      return `numeric(${(m >> 16) & 0xffff},${m & 0xffff})`;
    }
    case 1083:
    case 1114:
    case 1184:
    case 1266:
      return name.replace(/^(timestamp|time)/, `$1(${typmod})`);
    default:
      return undefined; // interval fields and others: the server knows
  }
}

/** format_type(oid, typmod) for built-in types; undefined when the server must be asked. */
export function builtinTypeName(oid: number, typmod: number): string | undefined {
  const element = ARRAY_ELEMENTS.get(oid);
  if (element !== undefined) {
    const name = builtinTypeName(element, typmod);
    return name === undefined ? undefined : `${name}[]`;
  }
  const name = BUILTIN_TYPE_NAMES.get(oid);
  return name === undefined ? undefined : withModifier(oid, name, typmod);
}

export const FORMAT_TYPES_QUERY =
  'select t.o::int as oid, t.m::int as typmod, pg_catalog.format_type(t.o, t.m) as name from unnest($1::oid[], $2::int[]) as t(o, m)';
