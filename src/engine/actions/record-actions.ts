/**
 * Destinations and syncs are records Backflow keeps: creating one validates it (config rules already ran)
 * and stores it. A sync's computed status says whether it is active.
 */
import { UserError } from '../../errors';
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

export const syncActions: ResourceActions = {
  createsExternalObject: false,
  create: async (ctx) => syncStatus(ctx),
  update: async (ctx) => syncStatus(ctx),
  delete: async () => undefined,
};

/** Types whose adapters a later release brings: planned and validated, but not applied. */
export function unsupportedActions(what: string): ResourceActions {
  const refuse = async (ctx: ActionContext): Promise<never> => {
    throw new UserError(
      `${ctx.change.address}: applying ${what} is not supported by this version of Backflow yet`,
      'Plan shows these resources; remove them from the configuration (or use -target) to apply the rest.',
    );
  };
  return { createsExternalObject: false, create: refuse, update: refuse, delete: async () => undefined };
}
