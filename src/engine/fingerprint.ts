/**
 * Fills SensitiveValue markers with keyed fingerprints (HMAC with the state's salt), so diff sees a rotated
 * secret as a change while no value is ever stored.
 */
import type { DesiredResource } from '../config/desired';
import { fingerprint, isSensitive, join, type SecretValues } from '../config/secrets';

export function fingerprintAttributes(
  attributes: Record<string, unknown>,
  secrets: SecretValues,
  salt: string,
): Record<string, unknown> {
  // Most resources hold no secret: a plain copy, without building an attribute path for every value.
  if (secrets.size === 0) return copyWithoutSecrets(attributes, () => walk(attributes, secrets, salt, ''));
  return walk(attributes, secrets, salt, '') as Record<string, unknown>;
}

/** A deep copy of attributes that have no secret; a marker found means `walk` must say where (it throws). */
function copyWithoutSecrets<T>(value: T, explain: () => unknown): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v: unknown) => copyWithoutSecrets(v, explain)) as T;
  if (isSensitive(value)) explain();
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value))
    out[key] = copyWithoutSecrets((value as Record<string, unknown>)[key], explain);
  return out as T;
}

function walk(value: unknown, secrets: SecretValues, salt: string, path: string): unknown {
  if (isSensitive(value)) {
    const secret = secrets.get(path);
    if (secret === undefined) throw new Error(`internal: no secret value loaded for ${path}`);
    return { $sensitive: { ref: value.$sensitive.ref, fingerprint: fingerprint(salt, secret) } };
  }
  if (Array.isArray(value)) return value.map((v, i) => walk(v, secrets, salt, join(path, String(i))));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, secrets, salt, join(path, k));
    return out;
  }
  return value;
}

/**
 * The attributes a plan shows for a resource: its own attributes object when it holds no secret (the plan
 * only reads them: no copy per resource of a 20,000-resource plan), else a fingerprinted copy.
 */
export function plannedAttributes(resource: DesiredResource, salt: string): Record<string, unknown> {
  if (resource.secrets.size === 0 && !holdsMarker(resource.attributes)) return resource.attributes;
  return storedAttributes(resource, salt);
}

function holdsMarker(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (isSensitive(value)) return true;
  if (Array.isArray(value)) return value.some(holdsMarker);
  for (const key in value) if (holdsMarker((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** The resource's attributes as they will be stored: fingerprinted with `salt`. */
export function storedAttributes(resource: DesiredResource, salt: string): Record<string, unknown> {
  return fingerprintAttributes(resource.attributes, resource.secrets, salt);
}
