/** `segment`: built in its own folder; see README.md there. */
import type { DestinationKind } from '../destination';
import { UserError } from '../../../errors';

export const segmentDestination: DestinationKind = {
  type: 'segment',
  supportsRemovals: false,
  open: () => {
    throw new UserError('the segment destination cannot deliver yet');
  },
};
