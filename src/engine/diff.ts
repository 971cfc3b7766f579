/**
 * Attribute comparison: deep equality of plain JSON values and the list of top-level attributes that
 * differ. SensitiveValue markers compare by reference and fingerprint, so a rotated secret is a change.
 */
import { sortStrings } from './sort-strings';

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  // Without building key lists: this runs for every attribute of every resource of a plan.
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let defined = 0;
  for (const k in ao) {
    if (!Object.prototype.hasOwnProperty.call(ao, k) || ao[k] === undefined) continue;
    defined++;
    if (!Object.prototype.hasOwnProperty.call(bo, k) || !deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) {
    if (Object.prototype.hasOwnProperty.call(bo, k) && bo[k] !== undefined) defined--;
  }
  return defined === 0;
}

/** Top-level attribute names whose values differ between `before` and `after`, sorted. */
export function changedAttributes(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  // Own keys by for-in, without the two key lists per resource that Object.keys would build.
  const changed: string[] = [];
  for (const k in before) {
    if (hasOwn.call(before, k) && !deepEqual(before[k], after[k])) changed.push(k);
  }
  for (const k in after) {
    if (hasOwn.call(after, k) && !hasOwn.call(before, k) && after[k] !== undefined) changed.push(k);
  }
  return sortStrings(changed);
}

const hasOwn = Object.prototype.hasOwnProperty;

export function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
