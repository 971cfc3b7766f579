/**
 * Puts an object's keys in the order the JSON Schemas list them. cdktf writes cdk.tf.json with its keys
 * sorted; read back in schema order, a synthesized stack yields the same attribute order (and so the same
 * plan, byte for byte) as a backflow.json written in the schemas' order, as the documentation writes it.
 * Keys the schemas do not list (misspellings, which validation reports) keep their place at the end; the
 * keys of maps (`headers`, `mapping`, resource names) keep the order they have.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_SCHEMA_ID, SCHEMA_DIR } from '../schema';

type Schema = Record<string, unknown>;
interface Located {
  node: Schema;
  /** `$id` of the file the node is in: `#/...` references resolve against it. */
  doc: string;
}

let documents: Map<string, Schema> | undefined;

function load(): Map<string, Schema> {
  documents ??= new Map(
    readdirSync(SCHEMA_DIR)
      .filter((f) => f.endsWith('.schema.json'))
      .map((f) => [f, JSON.parse(readFileSync(join(SCHEMA_DIR, f), 'utf8')) as Schema]),
  );
  return documents;
}

/** A copy of `value` (a whole config) with object keys in schema order. */
export function inSchemaOrder(value: unknown): unknown {
  return order(value, [{ node: load().get(CONFIG_SCHEMA_ID) ?? {}, doc: CONFIG_SCHEMA_ID }]);
}

function order(value: unknown, schemas: Located[]): unknown {
  const all = schemas.flatMap(expand);
  if (Array.isArray(value))
    return value.map((v) =>
      order(
        v,
        children(all, (s) => s.items),
      ),
    );
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  const lists = all.map((s) => Object.keys(asSchema(s.node.properties) ?? {})).filter((l) => l.length > 0);
  // The case of a union (settings per warehouse, schedule per strategy) that has every key written.
  const chosen = lists.find((l) => keys.every((k) => l.includes(k))) ?? [...new Set(lists.flat())];
  const sorted = [...chosen.filter((k) => keys.includes(k)), ...keys.filter((k) => !chosen.includes(k))];
  const out: Record<string, unknown> = {};
  for (const key of sorted) {
    const named = children(all, (s) => asSchema(s.properties)?.[key]);
    const child = named.length > 0 ? named : children(all, (s) => s.additionalProperties);
    out[key] = order((value as Record<string, unknown>)[key], child);
  }
  return out;
}

/** Subschemas `pick` finds in each of `schemas`, with the file they are in. */
function children(schemas: Located[], pick: (s: Schema) => unknown): Located[] {
  return schemas.flatMap((s) => {
    const child = asSchema(pick(s.node));
    return child === undefined ? [] : [{ node: child, doc: s.doc }];
  });
}

/** A schema and every schema it is made of: its `$ref`, the cases of `allOf`/`anyOf`/`oneOf`/`then`/`else`. */
function expand(s: Located): Located[] {
  const ref = s.node.$ref;
  if (typeof ref === 'string') {
    const target = resolveRef(ref, s.doc);
    return target === undefined ? [] : expand(target);
  }
  const parts: Located[] = [s];
  for (const key of ['allOf', 'anyOf', 'oneOf'])
    for (const sub of (Array.isArray(s.node[key]) ? s.node[key] : []) as unknown[]) {
      const node = asSchema(sub);
      if (node !== undefined) parts.push(...expand({ node, doc: s.doc }));
    }
  for (const key of ['then', 'else']) {
    const node = asSchema(s.node[key]);
    if (node !== undefined) parts.push(...expand({ node, doc: s.doc }));
  }
  return parts;
}

function resolveRef(ref: string, doc: string): Located | undefined {
  const [file, pointer = ''] = ref.split('#');
  const id = file === '' ? doc : file;
  let node: unknown = load().get(id);
  for (const part of pointer.split('/').filter((p) => p !== '')) node = asSchema(node)?.[part];
  const found = asSchema(node);
  return found === undefined ? undefined : { node: found, doc: id };
}

function asSchema(value: unknown): Schema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : undefined;
}
