/**
 * What refresh observed in the real world, the planner's only view of it. Plain data.
 */
import type { DbtCloudWebhook, JobSummary } from '../adapters/dbtcloud/dbtcloud-types';
import type { Column, ConnectionInfo, GrantCheck } from '../adapters/warehouse/warehouse';
import type { DbtModelObservation, GitSyncObservation } from './refresh-git';

export interface SourceObservation {
  info?: ConnectionInfo;
  grants?: GrantCheck;
  /** Why the source could not be read (unreachable, wrong credentials): a plan error. */
  error?: string;
  /** Why plan did not connect (a new or changed endpoint for its secrets): checked by apply instead. */
  deferred?: string;
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
  /** The SQL the model produces as described: its query, or a select from its dbt model's relation. */
  effectiveSql?: string;
}

/** One dbt_cloud link as refresh saw it (see refresh-dbt-cloud.ts). */
export interface DbtCloudObservation {
  /** The account, when the key works and the account exists. */
  account?: { id: number; name: string };
  /** Every job of the account by id (deleted ones included), read when some sync is scheduled by it. */
  jobs?: Map<number, JobSummary>;
  /** Why the link could not be read (a rejected key, an unknown account, an unreachable host): a plan error. */
  error?: string;
  /** Why plan did not contact dbt Cloud (a new or changed access URL for its key): checked by apply instead. */
  deferred?: string;
  /**
   * The v3 webhooks API as the key sees it, read when the link wants a webhook or state records one:
   * `permitted` false when it answered 403 (the key may not manage webhooks).
   */
  webhooks?: { permitted: boolean; subscriptions: DbtCloudWebhook[] };
}

export interface World {
  /** False with `--refresh=false`: the planner then trusts state and knows nothing of the world. */
  refreshed: boolean;
  sources: Map<string, SourceObservation>;
  models: Map<string, ModelObservation>;
  /** Git syncs by address: the commit and dbt catalog synced, or why not. */
  gitSyncs?: Map<string, GitSyncObservation>;
  /** dbt-backed models by address: their resolution against their Git sync's catalog. */
  dbtModels?: Map<string, DbtModelObservation>;
  /** dbt_cloud links by address; absent when refresh did not read dbt Cloud. */
  dbtCloud?: Map<string, DbtCloudObservation>;
}

export function emptyWorld(): World {
  return { refreshed: false, sources: new Map(), models: new Map() };
}
