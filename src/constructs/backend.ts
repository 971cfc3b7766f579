/**
 * `new Backend(stack, "state", { type: "pg", connection_string: Secret.env("STATE_DATABASE_URL") })`: where
 * this stack's state is kept. At most one per stack; without one, state is the local file
 * `.backflow/<stack>/state.json`. It synthesizes as `resource.backflow_backend.<id>`, which the engine reads as
 * the stack's `backend` block, not as a managed resource.
 */
import type { Construct } from 'constructs';
import { BackflowResource } from './backflow-resource';
import type { BackendProps } from './props';

export class Backend extends BackflowResource<'backend', BackendProps> {
  constructor(scope: Construct, id: string, props: BackendProps) {
    super(scope, id, 'backend', props);
  }

  /** One backend per stack, whatever its id. */
  override get address(): string {
    return 'backend';
  }
}
