/**
 * Secrets go only where the applied state already sent them. A pull request can change a source's host
 * (or add a source) and reuse a secret reference CI holds, such as `{ "env": "WAREHOUSE_PASSWORD" }`; if
 * `plan` connected, it would hand that password to a host of the pull request's choosing. So during `plan`,
 * a source is contacted only when, for every secret reference in its settings, the current state already
 * has a source at that same endpoint with that same reference. Anything else is planned without
 * connecting; apply, which runs after review, connects and checks it. `plan --trust-new-endpoints` turns
 * this off for local use.
 */
import { isSensitive, type SecretRef } from '../config/secrets';
import type { StateFile } from '../state/types';

/** Settings that say where a source's secrets are sent, per warehouse (anything else is not an endpoint). */
const ENDPOINT_SETTINGS = [
  'host',
  'port',
  'account',
  'access_url',
  'api_endpoint',
  'project_id',
  'http_path',
];

const DEFAULT_PORTS: Record<string, number> = { postgres: 5432, redshift: 5439, databricks: 443 };

/** Where a source's connection goes, as one comparable string (for messages too). */
export function sourceEndpoint(attributes: Record<string, unknown>): string {
  const warehouse = String(attributes.warehouse);
  const settings = (attributes.settings ?? {}) as Record<string, unknown>;
  const parts: string[] = [warehouse];
  for (const key of ENDPOINT_SETTINGS) {
    let value = settings[key];
    if (key === 'port' && value === undefined) value = DEFAULT_PORTS[warehouse];
    if (value === undefined || isSensitive(value)) continue;
    const text = typeof value === 'string' && key !== 'http_path' ? value.toLowerCase() : String(value);
    parts.push(`${key}=${text}`);
  }
  return parts.join(' ');
}

function refKey(ref: SecretRef): string {
  return 'env' in ref ? `env:${ref.env}` : `file:${ref.file}`;
}

function secretRefs(settings: unknown): SecretRef[] {
  return Object.values((settings ?? {}) as Record<string, unknown>)
    .filter(isSensitive)
    .map((v) => v.$sensitive.ref);
}

/** Every (secret reference, endpoint) pair the applied state has used. */
export function trustedEndpoints(state: StateFile): Set<string> {
  const trusted = new Set<string>();
  for (const r of Object.values(state.resources)) {
    if (r.type !== 'source') continue;
    const endpoint = sourceEndpoint(r.attributes);
    for (const ref of secretRefs(r.attributes.settings)) trusted.add(`${refKey(ref)} ${endpoint}`);
  }
  return trusted;
}

/**
 * Why `plan` must not connect to this source, or undefined when every secret it would send already went
 * to this endpoint in the applied state (or it sends none).
 */
export function untrustedEndpoint(
  attributes: Record<string, unknown>,
  trusted: Set<string>,
): string | undefined {
  const endpoint = sourceEndpoint(attributes);
  const refs = secretRefs(attributes.settings).filter((ref) => !trusted.has(`${refKey(ref)} ${endpoint}`));
  if (refs.length === 0) return undefined;
  const names = refs.map((ref) => ('env' in ref ? `env ${ref.env}` : `file ${ref.file}`)).join(', ');
  return `its endpoint (${endpoint}) is new or changed, and the applied state never sent ${names} there`;
}
