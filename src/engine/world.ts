/**
 * What refresh observed in the real world, the planner's only view of it. Plain data.
 */
import type { Column, ConnectionInfo, GrantCheck } from '../adapters/warehouse/warehouse';

export interface SourceObservation {
  info?: ConnectionInfo;
  grants?: GrantCheck;
  /** Why the source could not be read (unreachable, wrong credentials): a plan error. */
  error?: string;
}

export interface ModelObservation {
  /** Address of the source the model was read from. */
  source: string;
  /** Columns the model's SQL returns, when it could be described. */
  columns?: Column[];
  /** The warehouse's error for the model's SQL (a dropped table, a typo). */
  error?: string;
  /** Whether the model's change-tracking snapshot exists (models already in state only). */
  snapshotExists?: boolean;
}

export interface World {
  /** False with `--refresh=false`: the planner then trusts state and knows nothing of the world. */
  refreshed: boolean;
  sources: Map<string, SourceObservation>;
  models: Map<string, ModelObservation>;
}

export function emptyWorld(): World {
  return { refreshed: false, sources: new Map(), models: new Map() };
}
