/**
 * Runs the real delivery loop (src/runs/deliver.ts: batching, retries, bisection of refused batches)
 * over rows held in memory, so a destination's adapter is tested against its test server with the
 * same retry policy a sync run uses, without a warehouse.
 */
import type { DestinationAdapter } from '../../../src/adapters/destination/destination';
import type { PlannedRow, RowOutcome } from '../../../src/adapters/warehouse/tracking';
import { deliverPlan, type DeliveryResult } from '../../../src/runs/deliver';

export const FAST = { baseMs: 1, maxWaitMs: 20, maxRateLimitedMs: 3000 };

export interface Delivered extends DeliveryResult {
  outcomes: RowOutcome[];
  retries: { reason: string; rateLimited: boolean; waitMs: number }[];
}

export function rows(n: number, values: (i: number) => Record<string, unknown>): PlannedRow[] {
  return Array.from({ length: n }, (_, k) => ({
    seq: k + 1,
    op: 'add' as const,
    recordId: String(k + 1),
    checksum: `c${k + 1}`,
    values: values(k + 1),
  }));
}

export async function deliverRows(
  destination: DestinationAdapter,
  planned: PlannedRow[],
  mapping: Record<string, string>,
  policy = FAST,
): Promise<Delivered> {
  const outcomes: RowOutcome[] = [];
  const retries: Delivered['retries'] = [];
  const result = await deliverPlan(
    {
      readPage: async (after, limit) => planned.filter((r) => r.seq > after).slice(0, limit),
      commit: async (o) => {
        outcomes.push(...o);
      },
    },
    {
      sync: 'test_sync',
      destination,
      mapping,
      policy,
      events: {
        onRetry: (reason, waitMs, rateLimited) => retries.push({ reason, rateLimited, waitMs }),
      },
    },
  );
  return { ...result, outcomes: outcomes.sort((a, b) => a.seq - b.seq), retries };
}

export const identity = (cols: string[]): Record<string, string> =>
  Object.fromEntries(cols.map((c) => [c, c]));
