/**
 * What an action handler gets and returns. One handler per resource type; the apply walker picks it.
 */
import type { DesiredResource, DesiredState } from '../../config/desired';
import type { ResourceState } from '../../state/types';
import type { Connections } from '../connections';
import type { ResourceChange } from '../plan';

/** Read access to the state as the apply has left it so far. */
export interface StateReader {
  get(address: string): ResourceState | undefined;
  /** Every address in the state as the apply has left it so far. */
  addresses(): string[];
  /**
   * Addresses of the syncs in state whose `model` is `model` (a name), sorted. Optional: without it, callers
   * walk addresses() (a reader over a handful of resources needs no index).
   */
  syncsOfModel?(model: string): string[];
}

export interface ActionContext {
  change: ResourceChange;
  /** The resource in config (create, update, the create half of replace). */
  desired?: DesiredResource;
  /** The resource in state before this action (update, delete, the delete half of replace). */
  prior?: ResourceState;
  desiredState: DesiredState;
  state: StateReader;
  connections: Connections;
}

export interface ResourceActions {
  /**
   * True when create makes an object outside Backflow (a snapshot table) that a crash mid-create could
   * orphan: apply then journals the resource as tainted before creating it. Pure records skip that write.
   */
  readonly createsExternalObject: boolean;
  /** Makes the object exist; returns its computed values. Must be idempotent: a crashed apply re-runs it. */
  create(ctx: ActionContext): Promise<Record<string, unknown>>;
  update(ctx: ActionContext): Promise<Record<string, unknown>>;
  delete(ctx: ActionContext): Promise<void>;
}
