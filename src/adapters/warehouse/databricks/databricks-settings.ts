/**
 * Typed Databricks settings, read from the source's settings (secrets already revealed): the SQL
 * warehouse's host and HTTP path, the Unity Catalog catalog, a token, and optionally a CA certificate for
 * TLS-inspecting proxies or private endpoints.
 */
import { UserError } from '../../../errors';
import type { WarehouseSettings } from '../warehouse';

export interface DatabricksSettings {
  host: string;
  port: number;
  http_path: string;
  catalog: string;
  token: string;
  /** PEM CA certificate(s) trusted in addition to the public roots. */
  ca_cert?: string;
  secrets: string[];
  connect_timeout_ms: number;
  statement_timeout_ms: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30 * 1000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5 * 60 * 1000;

function fail(message: string, hint?: string): never {
  throw new UserError(`databricks settings: ${message}`, hint);
}

function str(settings: WarehouseSettings, key: string, required = false): string | undefined {
  const value = settings[key];
  if (value === undefined || value === null) {
    if (required) fail(`"${key}" is required and must be a non-empty string`);
    return undefined;
  }
  if (typeof value !== 'string' || value === '') fail(`"${key}" must be a non-empty string`);
  return value;
}

function positiveInt(settings: WarehouseSettings, key: string, fallback: number): number {
  const raw = settings[key];
  if (raw === undefined || raw === null) return fallback;
  const value = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
    fail(`"${key}" must be a positive integer`);
  return value;
}

export function readDatabricksSettings(settings: WarehouseSettings): DatabricksSettings {
  let host = str(settings, 'host', true)!;
  if (/^https?:\/\//i.test(host)) {
    fail(
      `"host" must be a host name (e.g. "dbc-1234.cloud.databricks.com"), not a URL`,
      'Copy "Server hostname" from the SQL warehouse\'s Connection details.',
    );
  }
  let port = positiveInt(settings, 'port', 443);
  const withPort = /^(.+):(\d+)$/.exec(host);
  if (withPort && settings.port === undefined) {
    host = withPort[1];
    port = Number(withPort[2]);
  }
  const httpPath = str(settings, 'http_path', true)!;
  if (!httpPath.startsWith('/')) fail('"http_path" must start with "/" (e.g. "/sql/1.0/warehouses/abc123")');
  const token = str(settings, 'token');
  if (token === undefined) fail('"token" is required (a personal access token or service-principal token)');
  const ca = str(settings, 'ca_cert');
  if (ca !== undefined && !/-----BEGIN CERTIFICATE-----/.test(ca)) fail('"ca_cert" is not a PEM certificate');
  return {
    host,
    port,
    http_path: httpPath,
    catalog: str(settings, 'catalog') ?? 'main',
    token,
    ca_cert: ca,
    secrets: [token],
    connect_timeout_ms: positiveInt(settings, 'connect_timeout_ms', DEFAULT_CONNECT_TIMEOUT_MS),
    statement_timeout_ms: positiveInt(settings, 'statement_timeout_ms', DEFAULT_STATEMENT_TIMEOUT_MS),
  };
}

export function hostPort(settings: Pick<DatabricksSettings, 'host' | 'port'>): string {
  return settings.port === 443 ? settings.host : `${settings.host}:${settings.port}`;
}
