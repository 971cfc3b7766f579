import type { ResourceType } from '../../graph/address';
import { modelActions } from './model-actions';
import { destinationActions, syncActions, unsupportedActions } from './record-actions';
import { sourceActions } from './source-actions';
import type { ResourceActions } from './types';

/** The action handler of every resource type. */
export const ACTIONS: Record<ResourceType, ResourceActions> = {
  source: sourceActions,
  git_sync: unsupportedActions('Git syncs'),
  dbt_cloud: unsupportedActions('dbt Cloud links'),
  model: modelActions,
  destination: destinationActions,
  sync: syncActions,
};
