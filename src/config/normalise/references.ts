/**
 * References between resources: config may write a name inside the target type (`"warehouse"`) or the
 * full address (`"source.warehouse"`). Attributes keep the name; the graph gets addresses.
 */
import type { ResourceType } from '../../graph/address';
import { REFERENCE_FIELDS } from '../../graph/references';

/** Mutates `attributes`: `"source.warehouse"` in a field that references a source becomes `"warehouse"`. */
export function stripAddressPrefixes(type: ResourceType, attributes: Record<string, unknown>): void {
  for (const { path, target } of REFERENCE_FIELDS[type]) {
    const parent = walk(attributes, path.slice(0, -1));
    const key = path[path.length - 1];
    const value = parent?.[key];
    // A prefix naming another type is left alone: the references rule reports it as pointing at the wrong type.
    if (parent !== undefined && typeof value === 'string' && value.startsWith(`${target}.`)) {
      parent[key] = value.slice(target.length + 1);
    }
  }
}

/** Addresses `attributes` reference by name, in field order, without duplicates or the resource itself. */
export function dependenciesOf(
  type: ResourceType,
  name: string,
  attributes: Record<string, unknown>,
): string[] {
  const out: string[] = [];
  for (const { path, target } of REFERENCE_FIELDS[type]) {
    const value = walk(attributes, path.slice(0, -1))?.[path[path.length - 1]];
    if (typeof value !== 'string' || value.includes('.')) continue;
    const address = `${target}.${value}`;
    // A sync scheduled after itself is reported by a rule of its own, not as a cycle.
    if (address !== `${type}.${name}` && !out.includes(address)) out.push(address);
  }
  return out;
}

function walk(root: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let cur: unknown = root;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'object' && cur !== null && !Array.isArray(cur)
    ? (cur as Record<string, unknown>)
    : undefined;
}
