/**
 * Construct props, derived from the config types generated from `schemas/` (the JSON front end's types):
 * the same fields, with every reference-by-name replaced by the construct it names. Nothing here lists a
 * resource's fields; a new schema field appears in the props once `npm run generate:types` has run.
 */
import type * as config from '../config/generated/config';
import type { DbtCloud } from './dbt-cloud';
import type { Destination } from './destination';
import type { GitSync } from './git-sync';
import type { Model } from './model';
import type { Source } from './source';
import type { Sync } from './sync';

/**
 * The construct each reference field takes. In config every reference field is named after the type it
 * references (`source`, `model`, `schedule.sync`, `dbt_model.git_sync`, ...: see REFERENCE_FIELDS in
 * src/graph/references.ts, and the unit test that keeps the two in step).
 */
export interface ReferenceTargets {
  source: Source;
  git_sync: GitSync;
  dbt_cloud: DbtCloud;
  model: Model;
  destination: Destination;
  sync: Sync;
}

/**
 * `T` with each string field named after a resource type (a reference by name) replaced by that type's
 * construct, at any depth and in every case of a union (schedules, settings, credentials).
 */
export type WithReferences<T> = T extends string | number | boolean | null | undefined
  ? T
  : T extends readonly (infer U)[]
    ? WithReferences<U>[]
    : {
        [K in keyof T]: K extends keyof ReferenceTargets
          ? NonNullable<T[K]> extends string
            ? ReferenceTargets[K]
            : WithReferences<T[K]>
          : WithReferences<T[K]>;
      };

export type SourceProps = WithReferences<config.Source>;
export type GitSyncProps = WithReferences<config.GitSync>;
export type DbtCloudProps = WithReferences<config.DbtCloud>;
export type ModelProps = WithReferences<config.Model>;
export type DestinationProps = WithReferences<config.Destination>;
export type SyncProps = WithReferences<config.Sync>;
export type BackendProps = config.Backend;

/** A sync's schedule: `Schedule.periodic("1h")`, `Schedule.dbtCloud(link, 42)`, ... */
export type ScheduleProps = WithReferences<config.Schedule>;
/** A dbt model of a Git sync: `git.model("customers")`. */
export type DbtModelReference = WithReferences<config.DbtModelRef>;
/** `Secret.env("NAME")` or `Secret.file("path")`. */
export type SecretReference = config.SecretReference;
