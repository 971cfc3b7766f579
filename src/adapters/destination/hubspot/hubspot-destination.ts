/** `hubspot`: built in its own folder; see README.md there. */
import type { DestinationKind } from '../destination';
import { UserError } from '../../../errors';

export const hubspotDestination: DestinationKind = {
  type: 'hubspot',
  supportsRemovals: false,
  open: () => {
    throw new UserError('the hubspot destination cannot deliver yet');
  },
};
