import type { ResourceType } from '../../graph/address';
import { dbtCloudActions } from './dbt-cloud-actions';
import { gitSyncActions } from './git-sync-actions';
import { modelActions } from './model-actions';
import { destinationActions, syncActions } from './record-actions';
import { sourceActions } from './source-actions';
import type { ResourceActions } from './types';

/** The action handler of every resource type. */
export const ACTIONS: Record<ResourceType, ResourceActions> = {
  source: sourceActions,
  git_sync: gitSyncActions,
  dbt_cloud: dbtCloudActions,
  model: modelActions,
  destination: destinationActions,
  sync: syncActions,
};
