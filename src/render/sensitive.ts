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
  return { value: out.value === REMOVED ? null : out.value, mask: out.mask };
}

function walk(value: unknown): { value: unknown; mask: SensitiveMask } {
  if (isSensitive(value)) return { value: REMOVED, mask: true };
  if (Array.isArray(value)) {
    // Array positions matter, so a sensitive element stays as `null` rather than shifting the rest.
    const parts = value.map(walk);
    return {
      value: parts.map((p) => (p.value === REMOVED ? null : p.value)),
      mask: parts.map((p) => p.mask),
    };
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    const mask: Record<string, SensitiveMask> = {};
    for (const [key, child] of Object.entries(value)) {
      const part = walk(child);
      if (part.value !== REMOVED) out[key] = part.value;
      // Like Terraform: leave out `false` leaves, keep nested containers so consumers can index into them.
      if (part.mask !== false) mask[key] = part.mask;
    }
    return { value: out, mask };
  }
  return { value, mask: false };
}

/**
 * Paths where a secret is on both sides but differs (another reference, or a fingerprint that moved
 * because the secret was rotated): shown as `(sensitive value changed)`.
 */
export function changedSensitivePaths(before: unknown, after: unknown, path: string[] = []): string[][] {
  if (isSensitive(before) && isSensitive(after)) return sameSecret(before, after) ? [] : [path];
  const out: string[][] = [];
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.min(before.length, after.length);
    for (let i = 0; i < n; i++) out.push(...changedSensitivePaths(before[i], after[i], [...path, String(i)]));
  } else if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(before)) {
      if (Object.hasOwn(after, key))
        out.push(...changedSensitivePaths(before[key], after[key], [...path, key]));
    }
  }
  return out;
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
