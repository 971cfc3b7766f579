/**
 * `new GitSync(stack, "analytics", { source: warehouse, repository: "...", default_schema: "analytics" })`:
 * the dbt repository connected to a source. `git.model("customers")` names one of its dbt models.
 */
import type { Construct } from 'constructs';
import { BackflowResource } from './backflow-resource';
import type { DbtModelReference, GitSyncProps } from './props';

export class GitSync extends BackflowResource<'git_sync', GitSyncProps> {
  constructor(scope: Construct, id: string, props: GitSyncProps) {
    super(scope, id, 'git_sync', props);
  }

  /** A dbt model of this repository, for a Model's `dbt_model`; `version` picks a versioned model's version. */
  model(name: string, version?: string | number): DbtModelReference {
    return version === undefined ? { git_sync: this, name } : { git_sync: this, name, version };
  }
}
