/**
 * Where each resource type holds secrets, as attribute paths (`*` is any key of a map). The schemas mark
 * these positions with `$ref: secret.schema.json`; a unit test keeps this table and the schemas in step.
 */
import type { ResourceType } from '../../graph/address';

export const SECRET_FIELDS: Record<ResourceType, readonly (readonly string[])[]> = {
  source: [
    ['settings', 'password'],
    ['settings', 'private_key'],
    ['settings', 'private_key_passphrase'],
    ['settings', 'credentials'],
    ['settings', 'token'],
    ['settings', 'ca_cert'],
  ],
  git_sync: [
    ['credentials', 'token'],
    ['credentials', 'private_key'],
    ['credentials', 'passphrase'],
  ],
  dbt_cloud: [['api_key']],
  model: [],
  // Header values may be plain strings; only the ones written as references are secrets.
  destination: [['headers', '*'], ['signing_secret'], ['write_key'], ['token']],
  sync: [],
};

/** Secret positions of the backend block. */
export const BACKEND_SECRET_FIELDS: readonly (readonly string[])[] = [['connection_string']];
