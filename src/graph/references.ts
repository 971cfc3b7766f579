/**
 * Which attributes of each resource type reference another resource, and of which type. Config writes
 * references by name inside the target type (`"model": "active_users"`); the graph uses addresses.
 */
import type { ResourceType } from './address';

export interface ReferenceField {
  /** Attribute path inside the resource, e.g. ['dbt_model', 'git_sync']. */
  path: string[];
  target: ResourceType;
}

export const REFERENCE_FIELDS: Record<ResourceType, ReferenceField[]> = {
  source: [],
  dbt_cloud: [],
  git_sync: [
    { path: ['source'], target: 'source' },
    { path: ['manifest', 'dbt_cloud'], target: 'dbt_cloud' },
  ],
  destination: [],
  model: [
    { path: ['source'], target: 'source' },
    { path: ['dbt_model', 'git_sync'], target: 'git_sync' },
  ],
  sync: [
    { path: ['model'], target: 'model' },
    { path: ['destination'], target: 'destination' },
    { path: ['schedule', 'dbt_cloud'], target: 'dbt_cloud' },
    { path: ['schedule', 'sync'], target: 'sync' },
  ],
};

/** The value at `path` of `attributes` when it is a string (a reference by name), else undefined. */
export function referenceAt(
  attributes: Record<string, unknown>,
  path: readonly string[],
): string | undefined {
  let cur: unknown = attributes;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'string' ? cur : undefined;
}
