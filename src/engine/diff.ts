/**
 * Attribute comparison: deep equality of plain JSON values and the list of top-level attributes that
 * differ. SensitiveValue markers compare by reference and fingerprint, so a rotated secret is a change.
 */

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]));
}

/** Top-level attribute names whose values differ between `before` and `after`, sorted. */
export function changedAttributes(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const changed: string[] = [];
  for (const k of Object.keys(before)) if (!deepEqual(before[k], after[k])) changed.push(k);
  for (const k of Object.keys(after)) {
    if (!Object.prototype.hasOwnProperty.call(before, k) && !deepEqual(undefined, after[k])) changed.push(k);
  }
  return changed.sort();
}

export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
