/**
 * Where a sync's change tracking lives: the managed schema of its model's source, reached through the
 * warehouse adapter's tracking (SQL stays in the dialect folders). Undefined when the model or source is
 * already gone from state (their objects went with them).
 */
import type { SyncTracking, TrackingTarget } from '../../adapters/warehouse/tracking';
import { sourceAddressOf } from '../model-sql';
import { TrackingUnavailableError } from '../../adapters/warehouse/snapshot-ddl';
import type { ActionContext } from './types';

export interface SyncTrackingAt {
  tracking: SyncTracking;
  target: TrackingTarget;
}

export function syncTracking(
  ctx: ActionContext,
  attributes: Record<string, unknown>,
): Promise<SyncTrackingAt | undefined> {
  return trackingOf(ctx, String(attributes.model), syncNameOf(ctx));
}

/** The name the sync's tracking lives under: its own, or the one `state mv` kept. */
function syncNameOf(ctx: ActionContext): string {
  return ctx.prior?.tracking_key ?? ctx.change.address.slice('sync.'.length);
}

/** Tracking of sync `sync` whose model is `model` (its name, as state stores references). */
export async function trackingOf(
  ctx: Pick<ActionContext, 'state' | 'connections'>,
  model: string,
  sync: string,
): Promise<SyncTrackingAt | undefined> {
  const m = ctx.state.get(`model.${model}`);
  if (!m) return undefined;
  const sourceAddress = sourceAddressOf(m.attributes);
  const source = ctx.state.get(sourceAddress);
  if (!source) return undefined;
  const adapter = await ctx.connections.get(sourceAddress, source.attributes);
  let tracking: SyncTracking;
  try {
    tracking = adapter.tracking();
  } catch (err) {
    if (err instanceof TrackingUnavailableError) return undefined;
    throw err;
  }
  return {
    tracking,
    target: { schema: String(source.attributes.managed_schema), sync },
  };
}

/** Syncs in state whose model is `model` (its name), by the name their tracking lives under. */
export function syncsOfModel(ctx: Pick<ActionContext, 'state'>, model: string): string[] {
  // The index, when the reader keeps one: a change to 10,000 models' SQL must not scan every sync for each.
  const syncs =
    ctx.state.syncsOfModel?.(model) ??
    ctx.state
      .addresses()
      .filter((a) => a.startsWith('sync.'))
      .filter((a) => String(ctx.state.get(a)!.attributes.model) === model);
  return syncs.map((a) => ctx.state.get(a)!.tracking_key ?? a.slice('sync.'.length));
}
