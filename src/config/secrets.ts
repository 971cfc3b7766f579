/**
 * Secret references. Config never holds a secret literal: `{ "env": "NAME" }` or `{ "file": "path" }`.
 *
 * After loading, every secret in a resource's attributes is replaced by a `SensitiveValue` marker that
 * keeps the reference and (once the state's salt is known) a keyed fingerprint of the value. Markers are
 * what diff, plan files and state see; the values themselves stay in memory, in a `SecretValues` map.
 */
import { createHmac } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { UserError } from '../errors';
import { MAX_SECRET_FILE_BYTES } from '../input/input-limits';
import { readBoundedText } from '../input/read-bounded-file';

export type SecretRef = { env: string } | { file: string };

export interface SensitiveValue {
  $sensitive: {
    ref: SecretRef;
    /** HMAC-SHA256 of the value keyed by the state's salt; empty until fingerprinted. */
    fingerprint: string;
  };
}

export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const v = value as Record<string, unknown>;
  return (keys[0] === 'env' || keys[0] === 'file') && typeof v[keys[0]] === 'string';
}

export function isSensitive(value: unknown): value is SensitiveValue {
  return typeof value === 'object' && value !== null && '$sensitive' in value;
}

export function describeRef(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

/**
 * Reads a secret's value. `baseDir` resolves relative `file` paths (the config folder); `env` is where `env`
 * references are looked up (the process environment unless a caller, e.g. a test, passes its own). Throws a
 * UserError naming the reference (never a value) when it cannot be read.
 */
export function readSecret(
  ref: SecretRef,
  baseDir: string,
  where: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') {
      throw new UserError(
        `${where}: secret environment variable ${ref.env} is not set`,
        `Export ${ref.env} before running backflow, or point the reference at a file: { "file": "path" }.`,
      );
    }
    return value;
  }
  const path = expandHome(ref.file);
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  // A trailing newline is how editors save files; it is never part of a password or token.
  return readBoundedText(full, {
    what: `${where}: secret file`,
    maxBytes: MAX_SECRET_FILE_BYTES,
    fix: 'Check the path (relative paths are relative to the config folder) and its permissions; a secret file is a regular file holding only the secret.',
  }).replace(/\r?\n$/, '');
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

export function fingerprint(salt: string, value: string): string {
  return 'hmac-sha256:' + createHmac('sha256', Buffer.from(salt, 'hex')).update(value, 'utf8').digest('hex');
}

/** In-memory secret values of a resource, keyed by attribute path (`settings.password`). */
export type SecretValues = Map<string, string>;

/** Deep copy of `attributes` with every SensitiveValue replaced by its real value from `values`. */
export function revealSecrets(attributes: unknown, values: SecretValues, prefix = ''): unknown {
  if (isSensitive(attributes)) {
    const v = values.get(prefix);
    if (v === undefined) throw new Error(`internal: no secret value loaded for ${prefix}`);
    return v;
  }
  if (Array.isArray(attributes))
    return attributes.map((x, i) => revealSecrets(x, values, join(prefix, String(i))));
  if (typeof attributes === 'object' && attributes !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(attributes)) out[k] = revealSecrets(v, values, join(prefix, k));
    return out;
  }
  return attributes;
}

export function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}
