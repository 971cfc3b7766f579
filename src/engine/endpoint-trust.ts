/**
 * Secrets go only where the applied state already sent them. A pull request can change a source's host, a
 * Git sync's repository or a dbt Cloud link's access URL (or add one) and reuse a secret reference CI
 * holds, such as `{ "env": "WAREHOUSE_PASSWORD" }` or `{ "env": "GIT_TOKEN" }`; if `plan` connected, it
 * would hand that secret to a host of the pull request's choosing. So during `plan`, a source, Git sync or
 * dbt Cloud link is contacted only when, for every secret reference it would send, the current state
 * already has a resource of the same kind at that same endpoint with that same reference. Anything else is
 * planned without connecting; apply, which runs after review, connects and checks it.
 * `plan --trust-new-endpoints` turns this off for local use.
 *
 * Endpoints: a source's host, port and the other settings that say where its connection goes; a Git
 * sync's scheme, host and port (a local repository sends nothing); a dbt Cloud link's access URL origin.
 */
import { hostOf } from '../adapters/dbtcloud';
import { remoteEndpoint } from '../adapters/git';
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

/** The resource types that send secrets during refresh. */
export type EndpointType = 'source' | 'git_sync' | 'dbt_cloud';

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

/** Where a Git sync sends its token or key, or undefined for a local repository (it sends nothing). */
export function gitSyncEndpoint(attributes: Record<string, unknown>): string | undefined {
  const repository = String(attributes.repository ?? '');
  try {
    return remoteEndpoint(repository, (attributes.protocol ?? 'https') as 'https' | 'ssh');
  } catch {
    // A repository the adapter cannot place: compared as written, so only an identical string is trusted.
    return `repository ${repository}`;
  }
}

/** The dbt Cloud host a link sends its API key to (its access URL's origin). */
export function dbtCloudEndpoint(attributes: Record<string, unknown>): string {
  try {
    return hostOf({
      access_url: attributes.access_url as string | undefined,
      subdomain: attributes.subdomain as string | undefined,
    }).toLowerCase();
  } catch {
    return `access_url ${String(attributes.access_url ?? attributes.subdomain)}`;
  }
}

function endpointOf(type: EndpointType, attributes: Record<string, unknown>): string | undefined {
  switch (type) {
    case 'source':
      return sourceEndpoint(attributes);
    case 'git_sync':
      return gitSyncEndpoint(attributes);
    case 'dbt_cloud':
      return dbtCloudEndpoint(attributes);
  }
}

/** The secret references a resource of `type` sends to its endpoint. */
function secretRefs(type: EndpointType, attributes: Record<string, unknown>): SecretRef[] {
  const holder =
    type === 'source'
      ? attributes.settings
      : type === 'git_sync'
        ? attributes.credentials
        : { api_key: attributes.api_key };
  return Object.values((holder ?? {}) as Record<string, unknown>)
    .filter(isSensitive)
    .map((v) => v.$sensitive.ref);
}

function refKey(ref: SecretRef): string {
  return 'env' in ref ? `env:${ref.env}` : `file:${ref.file}`;
}

function trustKey(type: EndpointType, ref: SecretRef, endpoint: string): string {
  return `${type} ${refKey(ref)} ${endpoint}`;
}

const TYPES: readonly string[] = ['source', 'git_sync', 'dbt_cloud'];

/** Every (kind, secret reference, endpoint) the applied state has used. */
export function trustedEndpoints(state: StateFile): Set<string> {
  const trusted = new Set<string>();
  for (const r of Object.values(state.resources)) {
    if (!TYPES.includes(r.type)) continue;
    const type = r.type as EndpointType;
    const endpoint = endpointOf(type, r.attributes);
    if (endpoint === undefined) continue;
    for (const ref of secretRefs(type, r.attributes)) trusted.add(trustKey(type, ref, endpoint));
  }
  return trusted;
}

/**
 * Why `plan` must not contact this resource, or undefined when every secret it would send already went
 * to this endpoint in the applied state (or it sends none).
 */
export function untrustedEndpoint(
  attributes: Record<string, unknown>,
  trusted: Set<string>,
  type: EndpointType = 'source',
): string | undefined {
  const endpoint = endpointOf(type, attributes);
  if (endpoint === undefined) return undefined;
  const refs = secretRefs(type, attributes).filter((ref) => !trusted.has(trustKey(type, ref, endpoint)));
  if (refs.length === 0) return undefined;
  const names = refs.map((ref) => ('env' in ref ? `env ${ref.env}` : `file ${ref.file}`)).join(', ');
  return `its endpoint (${endpoint}) is new or changed, and the applied state never sent ${names} there`;
}

/** The advice every deferred resource's warning ends with. */
export const TRUST_HINT =
  'To connect now (your own machine, trusted config), run plan --trust-new-endpoints.';
