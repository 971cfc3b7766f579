/**
 * Finding a Git sync of the workspace by name, and the lookup of dbt Cloud links its manifest may name:
 * what `models sync`, `models list` and `preview` (of a dbt-backed model) need to load a dbt catalog.
 */
import { UserError } from '../errors';
import type { Workspace } from './workspace';

export function gitSyncOf(
  ws: Workspace,
  name: string,
): { address: string; attributes: Record<string, unknown> } {
  const address = name.startsWith('git_sync.') ? name : `git_sync.${name}`;
  const r = ws.desired.resources.get(address);
  if (!r) {
    const names = [...ws.desired.resources.values()].filter((x) => x.type === 'git_sync').map((x) => x.name);
    throw new UserError(
      `No Git sync "${name}" in the configuration`,
      names.length ? `Git syncs: ${names.join(', ')}` : undefined,
    );
  }
  return { address, attributes: r.attributes };
}

export const linkLookup =
  (ws: Workspace) =>
  (name: string): Record<string, unknown> | undefined =>
    ws.desired.resources.get(`dbt_cloud.${name}`)?.attributes;
