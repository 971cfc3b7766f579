/**
 * Every config rule, in the order their problems are listed. Both front ends run them after normalising.
 */
import type { Diagnostic } from '../../diagnostics';
import { dbtCloudAccessUrlWellFormed, dbtCloudHostGivenOnce, snowflakeAuthentication } from './connections';
import type { Rule, RuleContext } from './context';
import { noDependencyCycles } from './cycles';
import { endpointsUseHttps, mirrorNeedsRemovals, segmentSyncsMapIdentity } from './destinations';
import { dbtCloudSyncsPerModel } from './dbt-cloud-syncs';
import { dbtVersionSupported, gitTransportConsistent } from './git-syncs';
import { modelHasOneDefinition, queryModelHasPrimaryKey } from './models';
import { dbtModelOnSameSource, referencesExist } from './references';
import {
  afterSyncNotSelf,
  cronExpressionsValid,
  periodicIntervalsLongEnough,
  timezonesExist,
} from './schedule';
import { warehouseNamesFit } from './warehouse-names';

export const CONFIG_RULES: readonly Rule[] = [
  referencesExist,
  dbtModelOnSameSource,
  afterSyncNotSelf,
  noDependencyCycles,
  modelHasOneDefinition,
  queryModelHasPrimaryKey,
  timezonesExist,
  cronExpressionsValid,
  periodicIntervalsLongEnough,
  dbtCloudSyncsPerModel,
  dbtVersionSupported,
  gitTransportConsistent,
  dbtCloudHostGivenOnce,
  dbtCloudAccessUrlWellFormed,
  snowflakeAuthentication,
  mirrorNeedsRemovals,
  endpointsUseHttps,
  segmentSyncsMapIdentity,
  warehouseNamesFit,
];

export function runConfigRules(ctx: RuleContext): Diagnostic[] {
  return CONFIG_RULES.flatMap((rule) => rule(ctx));
}

export type { Rule, RuleContext } from './context';
