/**
 * Git syncs: creating one runs the initial model sync (clone, load the dbt catalog); an update — a new
 * commit, or new settings — syncs again, incrementally. State keeps the commit SHA and the catalog digest.
 * Deleting one forgets it; the local clone cache is only a cache.
 */
import type { ActionContext, ResourceActions } from './types';

async function modelSync(ctx: ActionContext): Promise<Record<string, unknown>> {
  const r = ctx.desired!;
  const synced = await ctx.connections.dbt.sync(
    r.address,
    r.attributes,
    (name) =>
      ctx.desiredState.resources.get(`dbt_cloud.${name}`)?.attributes ??
      ctx.state.get(`dbt_cloud.${name}`)?.attributes,
    (
      ctx.desiredState.resources.get(`source.${String(r.attributes.source)}`)?.attributes ??
      ctx.state.get(`source.${String(r.attributes.source)}`)?.attributes
    )?.warehouse,
  );
  return {
    commit: synced.commit,
    catalog_digest: synced.catalog.digest,
    model_count: synced.catalog.models.length,
    project_name: synced.catalog.projectName,
  };
}

export const gitSyncActions: ResourceActions = {
  createsExternalObject: false,
  create: modelSync,
  update: modelSync,
  delete: async () => undefined,
};
