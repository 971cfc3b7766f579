/**
 * Canonical JSON: object keys sorted at every depth. Used so that a state file diffs cleanly in review and
 * so that a plan's signature does not depend on the order its fields were built in.
 */

/** Deep copy of a JSON value with object keys sorted; `undefined` members are dropped as JSON does. */
export function sortKeysDeep(value: unknown): unknown {
  // As JSON.stringify does (Dates become strings), so the canonical form equals that of the parsed file.
  if (typeof (value as { toJSON?: unknown } | null)?.toJSON === 'function') {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

/** Compact canonical text: the input to signatures and digests. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}
