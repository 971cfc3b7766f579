/**
 * Resource types and addresses (`TYPE.NAME`), the vocabulary every other module speaks.
 */

/** Every resource type Backflow manages, in the order a fresh workspace is usually created. */
export const RESOURCE_TYPES = ['source', 'dbt_cloud', 'git_sync', 'destination', 'model', 'sync'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** The top-level key of each type in `backflow.json`. */
export const CONFIG_KEYS: Record<ResourceType, string> = {
  source: 'sources',
  git_sync: 'git_syncs',
  dbt_cloud: 'dbt_cloud',
  model: 'models',
  destination: 'destinations',
  sync: 'syncs',
};

export interface Address {
  type: ResourceType;
  name: string;
}

export function formatAddress(type: ResourceType, name: string): string {
  return `${type}.${name}`;
}

export function isResourceType(value: string): value is ResourceType {
  return (RESOURCE_TYPES as readonly string[]).includes(value);
}

/** Parses `model.active_users`; returns undefined when the text is not an address. */
export function parseAddress(text: string): Address | undefined {
  const dot = text.indexOf('.');
  if (dot <= 0) return undefined;
  const type = text.slice(0, dot);
  const name = text.slice(dot + 1);
  if (!isResourceType(type) || name.length === 0) return undefined;
  return { type, name };
}
