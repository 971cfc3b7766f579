/**
 * `new Destination(stack, "crm", { type: "webhook", url: "https://..." })`: where a sync delivers records.
 */
import type { Construct } from 'constructs';
import { BackflowResource } from './backflow-resource';
import type { DestinationProps } from './props';

export class Destination extends BackflowResource<'destination', DestinationProps> {
  constructor(scope: Construct, id: string, props: DestinationProps) {
    super(scope, id, 'destination', props);
  }
}
