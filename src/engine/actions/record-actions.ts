/**
 * Destinations and syncs are records Backflow keeps: creating one validates it (config rules already ran)
 * and stores it. A sync's computed status says whether it is active.
 */
import { dbtCloudScheduleComputed } from './dbt-cloud-actions';
import { syncTracking } from './sync-tracking';
import type { ActionContext, ResourceActions } from './types';

export const destinationActions: ResourceActions = {
  createsExternalObject: false,
  create: async () => ({}),
  update: async () => ({}),
  delete: async () => undefined,
};

function syncStatus(ctx: ActionContext): Record<string, unknown> {
  return { status: ctx.desired!.attributes.enabled === true ? 'active' : 'disabled' };
}

/** Status, plus the dbt Cloud job (checked again) for a sync scheduled by one. `import` records it too. */
export async function syncComputed(ctx: ActionContext): Promise<Record<string, unknown>> {
  return { ...syncStatus(ctx), ...(await dbtCloudScheduleComputed(ctx)) };
}

/**
 * The sync's change-tracking tables (records, rejections; the source's run ledger) in the managed schema:
 * created with the sync, so its first run and `runs list` find them, and dropped with it.
 */
async function createSync(ctx: ActionContext): Promise<Record<string, unknown>> {
  const computed = await syncComputed(ctx);
  const where = await syncTracking(ctx, ctx.desired!.attributes);
  if (where) await where.tracking.ensureTables(where.target);
  return { ...computed, tracking_tables: where !== undefined };
}

async function updateSync(ctx: ActionContext): Promise<Record<string, unknown>> {
  const computed = await syncComputed(ctx);
  const where = await syncTracking(ctx, ctx.desired!.attributes);
  if (where) await where.tracking.ensureTables(where.target);
  // A new mapping changes what the destination holds per row: start tracking over, so every row is sent
  // in its new shape (as Hightouch does when a sync's mapping changes).
  if (where && ctx.change.changed.includes('mapping')) await where.tracking.resetTracking(where.target);
  return { ...computed, tracking_tables: where !== undefined };
}

async function deleteSync(ctx: ActionContext): Promise<void> {
  const where = await syncTracking(ctx, ctx.prior!.attributes);
  if (where) await where.tracking.dropTables(where.target);
}

export const syncActions: ResourceActions = {
  createsExternalObject: true,
  create: createSync,
  update: updateSync,
  delete: deleteSync,
};
