import { UserError } from '../../errors';

/** The limit is spliced into each dialect's SQL text, so it must be a plain non-negative integer. */
export function assertPreviewLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new UserError(`preview limit must be a non-negative integer, got ${limit}`);
  }
}
