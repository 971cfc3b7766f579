/**
 * References between resources: config may write a name inside the target type (`"warehouse"`) or the
 * full address (`"source.warehouse"`). Attributes keep the name; the graph gets addresses.
 */
import type { ResourceType } from '../../graph/address';
import { REFERENCE_FIELDS } from '../../graph/references';

/** Mutates `attributes`: `"source.warehouse"` in a field that references a source becomes `"warehouse"`. */
export function stripAddressPrefixes(type: ResourceType, attributes: Record<string, unknown>): void {
  for (const { path, target } of REFERENCE_FIELDS[type]) {
    const parent = parentOf(attributes, path);
    const key = path[path.length - 1];
    const value = parent?.[key];
    // A prefix naming another type is left alone: the references rule reports it as pointing at the wrong type.
    if (parent !== undefined && typeof value === 'string' && hasPrefix(value, target)) {
      parent[key] = value.slice(target.length + 1);
    }
  }
}

/** Whether `value` starts with `target.` (without building that string for every field of every resource). */
function hasPrefix(value: string, target: string): boolean {
  return value.length > target.length && value.charCodeAt(target.length) === DOT && value.startsWith(target);
}

const DOT = 46;

/** Declared addresses by type and name: see dependenciesOf. */
export type AddressIndex = ReadonlyMap<string, ReadonlyMap<string, string>>;

/**
 * Addresses `attributes` reference by name, in field order, without duplicates or the resource itself.
 * With `declared`, a reference to a declared resource is that resource's own address string, not a copy
 * built from its parts: every later lookup by it (cycle check, ordering, diff) then finds the string's hash
 * already computed, where 30,000 fresh copies in a 20,000-resource config would each be hashed again.
 */
export function dependenciesOf(
  type: ResourceType,
  name: string,
  attributes: Record<string, unknown>,
  declared?: AddressIndex,
): string[] {
  const out: string[] = [];
  for (const { path, target } of REFERENCE_FIELDS[type]) {
    const value = parentOf(attributes, path)?.[path[path.length - 1]];
    if (typeof value !== 'string' || value.includes('.')) continue;
    // A sync scheduled after itself is reported by a rule of its own, not as a cycle. (Type names and the
    // value hold no dot, so this is `${target}.${value}` === `${type}.${name}`.)
    if (target === type && value === name) continue;
    const address = declared?.get(target)?.get(value) ?? `${target}.${value}`;
    if (!out.includes(address)) out.push(address);
  }
  return out;
}

/** The object holding the last key of `path`, when every step before it is an object. */
function parentOf(
  root: Record<string, unknown>,
  path: readonly string[],
): Record<string, unknown> | undefined {
  let cur: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[path[i]];
  }
  return typeof cur === 'object' && cur !== null && !Array.isArray(cur)
    ? (cur as Record<string, unknown>)
    : undefined;
}
