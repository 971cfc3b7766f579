/**
 * `new Source(stack, "warehouse", { warehouse: "postgres", settings: { ... } })`: one warehouse connection.
 */
import type { Construct } from 'constructs';
import { BackflowResource } from './backflow-resource';
import type { SourceProps } from './props';

export class Source extends BackflowResource<'source', SourceProps> {
  constructor(scope: Construct, id: string, props: SourceProps) {
    super(scope, id, 'source', props);
  }
}
