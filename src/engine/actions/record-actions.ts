/**
 * Destinations and syncs are records Backflow keeps: creating one validates it (config rules already ran)
 * and stores it. A sync's computed status says whether it is active.
 */
import { dbtCloudScheduleComputed } from './dbt-cloud-actions';
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

/** Status, plus the dbt Cloud job (checked again) for a sync scheduled by one. */
async function syncComputed(ctx: ActionContext): Promise<Record<string, unknown>> {
  return { ...syncStatus(ctx), ...(await dbtCloudScheduleComputed(ctx)) };
}

export const syncActions: ResourceActions = {
  createsExternalObject: false,
  create: syncComputed,
  update: syncComputed,
  delete: async () => undefined,
};
