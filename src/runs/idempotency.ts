/**
 * Idempotency keys: the same (sync, record, checksum, operation) always gives the same key, so a batch
 * re-sent after a crash or an unanswered request carries the keys the destination already saw (Segment
 * de-duplicates on `messageId`, a webhook receiver on `id`). A new version of a row has a new checksum
 * and so a new key. 40 hex characters: under Segment's 100-character `messageId` limit.
 */
import { createHash } from 'node:crypto';
import type { PlannedOp } from '../adapters/warehouse/tracking';

export function idempotencyKey(
  sync: string,
  recordId: string,
  checksum: string | null,
  op: PlannedOp,
): string {
  // `add`, `change` and `retry` of one version are the same write at the destination: one key.
  const write = op === 'remove' ? 'remove' : 'upsert';
  return createHash('sha256')
    .update(JSON.stringify([sync, recordId, checksum, write]))
    .digest('hex')
    .slice(0, 40);
}
