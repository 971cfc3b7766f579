/**
 * `new Model(stack, "users", { source: warehouse, name: "Users", query: "select ...", primary_key: "id" })`,
 * or with `dbt_model: git.model("users")`: a Reverse ETL model.
 */
import type { Construct } from 'constructs';
import { BackflowResource } from './backflow-resource';
import type { ModelProps } from './props';

export class Model extends BackflowResource<'model', ModelProps> {
  constructor(scope: Construct, id: string, props: ModelProps) {
    super(scope, id, 'model', props);
  }
}
