/**
 * Typed BigQuery settings, read from the source's settings (secrets already revealed). The service-account
 * key is parsed here, so a secret that is not a key is a clear error that never echoes it.
 */
import { UserError } from '../../../errors';
import type { WarehouseSettings } from '../warehouse';

export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  project_id?: string;
}

export interface BigQuerySettings {
  project_id: string;
  location: string;
  /** Service-account key; absent means Application Default Credentials. */
  credentials?: ServiceAccountKey;
  /** Who Backflow runs as, for messages and GRANTs: the key's client_email. */
  principal?: string;
  api_endpoint?: string;
  secrets: string[];
  connect_timeout_ms: number;
  statement_timeout_ms: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30 * 1000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5 * 60 * 1000;

function fail(message: string, hint?: string): never {
  throw new UserError(`bigquery settings: ${message}`, hint);
}

function str(settings: WarehouseSettings, key: string): string | undefined {
  const value = settings[key];
  if (value === undefined || value === null) return undefined;
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

function readKey(text: string): ServiceAccountKey {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    fail(
      '"credentials" is not JSON',
      'Reference the service-account key file downloaded from Google Cloud: { "file": "backflow-key.json" }.',
    );
  }
  if (json.type !== undefined && json.type !== 'service_account') {
    fail(`"credentials" is a ${JSON.stringify(json.type)} credential; Backflow needs a service-account key`);
  }
  if (typeof json.client_email !== 'string' || typeof json.private_key !== 'string') {
    fail('"credentials" is not a service-account key (it has no client_email and private_key)');
  }
  return {
    client_email: json.client_email,
    private_key: json.private_key,
    private_key_id: typeof json.private_key_id === 'string' ? json.private_key_id : undefined,
    project_id: typeof json.project_id === 'string' ? json.project_id : undefined,
  };
}

const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

export function readBigQuerySettings(settings: WarehouseSettings): BigQuerySettings {
  const project = str(settings, 'project_id');
  if (project === undefined) fail('"project_id" is required and must be a non-empty string');
  if (!PROJECT_ID.test(project)) {
    fail(`"project_id" ${JSON.stringify(project)} is not a Google Cloud project ID (e.g. "acme-analytics")`);
  }
  const raw = str(settings, 'credentials');
  const credentials = raw === undefined ? undefined : readKey(raw);
  const endpoint = str(settings, 'api_endpoint');
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/i.test(endpoint)) {
    fail('"api_endpoint" must be a URL such as https://bigquery.googleapis.com');
  }
  return {
    project_id: project,
    location: str(settings, 'location') ?? 'US',
    credentials,
    principal: credentials?.client_email,
    api_endpoint: endpoint?.replace(/\/+$/, ''),
    secrets: [raw, credentials?.private_key, credentials?.private_key_id].filter((s): s is string => !!s),
    connect_timeout_ms: positiveInt(settings, 'connect_timeout_ms', DEFAULT_CONNECT_TIMEOUT_MS),
    statement_timeout_ms: positiveInt(settings, 'statement_timeout_ms', DEFAULT_STATEMENT_TIMEOUT_MS),
  };
}
