/**
 * Typed Snowflake settings, read from the source's settings (secrets already revealed). Key-pair sign-in
 * comes first: the private key is checked (and decrypted with its passphrase) here, before anything is
 * sent, so a wrong passphrase or a file that is not a key is a clear error that never echoes the key.
 */
import { createPrivateKey, createPublicKey, createHash, type KeyObject } from 'node:crypto';
import { UserError } from '../../../errors';
import type { WarehouseSettings } from '../warehouse';

export interface SnowflakeSettings {
  account: string;
  user: string;
  role?: string;
  warehouse: string;
  database: string;
  /** Default schema for unqualified names in model queries. */
  schema?: string;
  /** Unencrypted PKCS#8 PEM (decrypted here when a passphrase was given). */
  private_key?: string;
  /** SHA-256 fingerprint of the public key, as Snowflake shows it in DESC USER (RSA_PUBLIC_KEY_FP). */
  public_key_fingerprint?: string;
  /** The secrets as configured, kept only so error messages can be scrubbed of them. */
  secrets: string[];
  /** Deprecated: password-only sign-in. */
  password?: string;
  access_url?: string;
  connect_timeout_ms: number;
  statement_timeout_ms: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30 * 1000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5 * 60 * 1000;

function fail(message: string, hint?: string): never {
  throw new UserError(`snowflake settings: ${message}`, hint);
}

function str(settings: WarehouseSettings, key: string, required: true): string;
function str(settings: WarehouseSettings, key: string, required?: false): string | undefined;
function str(settings: WarehouseSettings, key: string, required = false): string | undefined {
  const value = settings[key];
  if (value === undefined || value === null) {
    if (required) fail(`"${key}" is required and must be a non-empty string`);
    return undefined;
  }
  if (typeof value !== 'string' || (required && value === '')) {
    fail(`"${key}" must be a${required ? ' non-empty' : ''} string`);
  }
  return value;
}

function positiveInt(settings: WarehouseSettings, key: string, fallback: number): number {
  const raw = settings[key];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    fail(`"${key}" must be a positive integer`);
  }
  return value;
}

/** Decrypts and normalises the key; every failure names the setting, never the key. */
function readPrivateKey(pem: string, passphrase: string | undefined): { pem: string; fingerprint: string } {
  let key: KeyObject;
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
  if (encrypted && passphrase === undefined) {
    fail(
      '"private_key" is encrypted, but no "private_key_passphrase" is set',
      'Add "private_key_passphrase": { "env": "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE" } to the source settings.',
    );
  }
  try {
    key = createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const text = (err as Error).message ?? '';
    if (encrypted || code === 'ERR_OSSL_BAD_DECRYPT' || /bad decrypt/i.test(text)) {
      fail(
        '"private_key" could not be decrypted with "private_key_passphrase"',
        'Check that the passphrase secret belongs to this key.',
      );
    }
    fail(
      '"private_key" is not a PEM private key',
      'Expected the contents of rsa_key.p8 ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN ENCRYPTED PRIVATE KEY-----"); ' +
        'reference it with { "file": "rsa_key.p8" }.',
    );
  }
  if (key.asymmetricKeyType !== 'rsa') {
    fail(
      `"private_key" is a ${key.asymmetricKeyType ?? 'non-RSA'} key; Snowflake key-pair sign-in needs RSA`,
    );
  }
  const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const fingerprint = `SHA256:${createHash('sha256').update(der).digest('base64')}`;
  return { pem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), fingerprint };
}

export function readSnowflakeSettings(settings: WarehouseSettings): SnowflakeSettings {
  const account = str(settings, 'account', true);
  if (/^https?:\/\//i.test(account) || /snowflakecomputing\.com/i.test(account)) {
    fail(
      `"account" must be the account identifier (e.g. "myorg-myaccount"), not a URL`,
      'Put a full URL (private link, proxy) in "access_url" instead.',
    );
  }
  const privateKey = str(settings, 'private_key');
  const passphrase = str(settings, 'private_key_passphrase');
  const password = str(settings, 'password');
  if (privateKey === undefined && password === undefined) {
    fail(
      '"private_key" is required (key-pair authentication)',
      'Reference the key: { "file": "rsa_key.p8" }.',
    );
  }
  if (passphrase !== undefined && privateKey === undefined) {
    fail('"private_key_passphrase" is set but "private_key" is not');
  }
  const key = privateKey !== undefined ? readPrivateKey(privateKey, passphrase) : undefined;
  const accessUrl = str(settings, 'access_url');
  if (accessUrl !== undefined && !/^https?:\/\/[^/\s]+/i.test(accessUrl)) {
    fail('"access_url" must be a URL such as https://myorg-myaccount.privatelink.snowflakecomputing.com');
  }
  return {
    account,
    user: str(settings, 'user', true),
    role: str(settings, 'role'),
    warehouse: str(settings, 'warehouse', true),
    database: str(settings, 'database', true),
    schema: str(settings, 'schema'),
    private_key: key?.pem,
    public_key_fingerprint: key?.fingerprint,
    password: key ? undefined : password,
    secrets: [privateKey, key?.pem, passphrase, password].filter((s): s is string => s !== undefined),
    access_url: accessUrl?.replace(/\/+$/, ''),
    connect_timeout_ms: positiveInt(settings, 'connect_timeout_ms', DEFAULT_CONNECT_TIMEOUT_MS),
    statement_timeout_ms: positiveInt(settings, 'statement_timeout_ms', DEFAULT_STATEMENT_TIMEOUT_MS),
  };
}

/** Where the client connects, for messages: the access URL's host or the account's default host. */
export function snowflakeHost(settings: Pick<SnowflakeSettings, 'account' | 'access_url'>): string {
  if (settings.access_url) {
    try {
      return new URL(settings.access_url).host;
    } catch {
      return settings.access_url;
    }
  }
  return `${settings.account}.snowflakecomputing.com`;
}
