/**
 * `backflow-etl/constructs`: the cdktf construct library.
 */
export { Backend } from './backend';
export { BackflowResource, isBackflowResource } from './backflow-resource';
export { DbtCloud } from './dbt-cloud';
export { Destination } from './destination';
export { GitSync } from './git-sync';
export { Model } from './model';
export { Schedule } from './schedule';
export { Secret } from './secret';
export { Source } from './source';
export { Sync } from './sync';
export type {
  BackendProps,
  DbtCloudProps,
  DbtModelReference,
  DestinationProps,
  GitSyncProps,
  ModelProps,
  ReferenceTargets,
  ScheduleProps,
  SecretReference,
  SourceProps,
  SyncProps,
  WithReferences,
} from './props';
