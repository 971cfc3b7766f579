/**
 * Every destination Backflow delivers to, by a destination's `type`. Adding a destination means one
 * folder under src/adapters/destination/ and one line here.
 */
import { UserError } from '../../errors';
import type { DestinationKind } from './destination';
import { hubspotDestination } from './hubspot/hubspot-destination';
import { segmentDestination } from './segment/segment-destination';
import { webhookDestination } from './webhook/webhook-destination';

const KINDS: Record<string, DestinationKind> = {
  webhook: webhookDestination,
  segment: segmentDestination,
  hubspot: hubspotDestination,
};

export function destinationTypes(): string[] {
  return Object.keys(KINDS);
}

export function getDestinationKind(type: string): DestinationKind {
  const kind = Object.prototype.hasOwnProperty.call(KINDS, type) ? KINDS[type] : undefined;
  if (!kind) {
    throw new UserError(
      `unknown destination type ${JSON.stringify(type)}`,
      `Destination types: ${destinationTypes().join(', ')}.`,
    );
  }
  return kind;
}
