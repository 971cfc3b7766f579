/**
 * `new DbtCloud(stack, "main", { account_id: 1234, api_key: Secret.env("DBT_CLOUD_API_KEY") })`: a dbt Cloud
 * account link, for `Schedule.dbtCloud(link, jobId)` and a Git sync's `manifest`.
 */
import type { Construct } from 'constructs';
import { BackflowResource } from './backflow-resource';
import type { DbtCloudProps } from './props';

export class DbtCloud extends BackflowResource<'dbt_cloud', DbtCloudProps> {
  constructor(scope: Construct, id: string, props: DbtCloudProps) {
    super(scope, id, 'dbt_cloud', props);
  }
}
