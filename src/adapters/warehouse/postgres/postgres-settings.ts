/**
 * Typed Postgres connection settings, read from the source's untyped settings object (secrets already
 * revealed). Config validation proper happens in src/config; this only guards the adapter's own inputs.
 */
import { UserError } from '../../../errors';
import type { WarehouseSettings } from '../warehouse';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  sslmode: SslMode;
  /** Default schema the models read (used by setup SQL). */
  schema?: string;
  /** More schemas the models read, for setup SQL grants. */
  read_schemas?: string[];
  /** Per-statement limit sent as the `statement_timeout` startup parameter. */
  statement_timeout_ms: number;
  connect_timeout_ms: number;
}

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5 * 60 * 1000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10 * 1000;

function requiredString(settings: WarehouseSettings, key: string): string {
  const value = settings[key];
  if (typeof value !== 'string' || value === '') {
    throw new UserError(`postgres settings: "${key}" is required and must be a non-empty string`);
  }
  return value;
}

function optionalString(settings: WarehouseSettings, key: string): string | undefined {
  const value = settings[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new UserError(`postgres settings: "${key}" must be a string`);
  return value;
}

function positiveInt(settings: WarehouseSettings, key: string, fallback: number): number {
  const raw = settings[key];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new UserError(`postgres settings: "${key}" must be a positive integer`);
  }
  return value;
}

export function readPostgresSettings(settings: WarehouseSettings): PostgresSettings {
  const sslmode = (optionalString(settings, 'sslmode') ?? 'prefer') as SslMode;
  if (!SSL_MODES.includes(sslmode)) {
    throw new UserError(`postgres settings: "sslmode" must be one of ${SSL_MODES.join(', ')}`);
  }
  const readSchemas = settings.read_schemas;
  if (
    readSchemas !== undefined &&
    (!Array.isArray(readSchemas) || readSchemas.some((s) => typeof s !== 'string'))
  ) {
    throw new UserError('postgres settings: "read_schemas" must be a list of schema names');
  }
  return {
    host: requiredString(settings, 'host'),
    port: positiveInt(settings, 'port', 5432),
    database: requiredString(settings, 'database'),
    user: requiredString(settings, 'user'),
    password: optionalString(settings, 'password'),
    sslmode,
    schema: optionalString(settings, 'schema'),
    read_schemas: readSchemas as string[] | undefined,
    statement_timeout_ms: positiveInt(settings, 'statement_timeout_ms', DEFAULT_STATEMENT_TIMEOUT_MS),
    connect_timeout_ms: positiveInt(settings, 'connect_timeout_ms', DEFAULT_CONNECT_TIMEOUT_MS),
  };
}
