/**
 * `new Sync(stack, "users_to_crm", { model: users, destination: crm, schedule: Schedule.periodic("1h") })`:
 * a model connected to a destination.
 */
import type { Construct } from 'constructs';
import { BackflowResource } from './backflow-resource';
import type { SyncProps } from './props';

export class Sync extends BackflowResource<'sync', SyncProps> {
  constructor(scope: Construct, id: string, props: SyncProps) {
    super(scope, id, 'sync', props);
  }
}
