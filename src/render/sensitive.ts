/**
 * Secrets in a plan's values, the way `terraform show -json` shows them: the value is taken out and a
 * `true` marks its place in a parallel `*_sensitive` mask. Nothing of a marker — neither its reference nor
 * its fingerprint — survives into any view; views learn only "sensitive here" and "it changed".
 */
import { isSensitive, type SensitiveValue } from '../config/secrets';

/** Terraform's sensitivity mask: `true` for a sensitive value, objects/arrays mirroring containers. */
export type SensitiveMask = boolean | SensitiveMask[] | { [key: string]: SensitiveMask };

const REMOVED = Symbol('removed');

/** Splits a value into its redacted form and its mask. `null` (no object) has mask `false`. */
export function redact(value: unknown): { value: unknown; mask: SensitiveMask } {
  const out = walk(value);
  return { value: out === REMOVED ? null : out, mask: walkMask };
}

/**
 * The mask of the value `walk` returned last: an out-parameter rather than a `{ value, mask }` pair per
 * node, which was most of the garbage of a large JSON plan.
 */
let walkMask: SensitiveMask = false;

function walk(value: unknown): unknown {
  if (isSensitive(value)) {
    walkMask = true;
    return REMOVED;
  }
  if (Array.isArray(value)) {
    // Array positions matter, so a sensitive element stays as `null` rather than shifting the rest.
    // Holes stay holes (as `map` leaves them).
    const n = value.length;
    const out: unknown[] = new Array<unknown>(n);
    const mask: SensitiveMask[] = new Array<SensitiveMask>(n);
    for (let i = 0; i < n; i++) {
      if (!(i in value)) continue;
      const part = walk(value[i]);
      out[i] = part === REMOVED ? null : part;
      mask[i] = walkMask;
    }
    walkMask = mask;
    return out;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    const mask: Record<string, SensitiveMask> = {};
    for (const key of Object.keys(value)) {
      const part = walk(value[key]);
      if (part !== REMOVED) out[key] = part;
      // Like Terraform: leave out `false` leaves, keep nested containers so consumers can index into them.
      if (walkMask !== false) mask[key] = walkMask;
    }
    walkMask = mask;
    return out;
  }
  walkMask = false;
  return value;
}

/**
 * Paths where a secret is on both sides but differs (another reference, or a fingerprint that moved
 * because the secret was rotated): shown as `(sensitive value changed)`.
 */
export function changedSensitivePaths(before: unknown, after: unknown): string[][] {
  const out: string[][] = [];
  changedSecrets(before, after, [], out);
  return out;
}

/** `path` is one stack, pushed and popped on the way down; a path is copied only when it is reported. */
function changedSecrets(before: unknown, after: unknown, path: string[], out: string[][]): void {
  if (isSensitive(before) && isSensitive(after)) {
    if (!sameSecret(before, after)) out.push(path.slice());
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.min(before.length, after.length);
    for (let i = 0; i < n; i++) {
      path.push(String(i));
      changedSecrets(before[i], after[i], path, out);
      path.pop();
    }
  } else if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) continue;
      path.push(key);
      changedSecrets(before[key], after[key], path, out);
      path.pop();
    }
  }
}

function sameSecret(a: SensitiveValue, b: SensitiveValue): boolean {
  return (
    a.$sensitive.fingerprint === b.$sensitive.fingerprint &&
    JSON.stringify(a.$sensitive.ref) === JSON.stringify(b.$sensitive.ref)
  );
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
