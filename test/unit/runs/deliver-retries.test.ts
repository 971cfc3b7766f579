/**
 * The retry policy of the delivery loop (src/runs/deliver.ts, on p-retry), with a scripted destination and a
 * recorded sleep: Retry-After is waited as asked (bounded), 5xx back off and use up the retry budget, 429s do
 * not, and rate limiting that lasts too long fails the run; an invalid batch is split, a fatal one stops.
 */
import {
  DeliveryError,
  type BatchResult,
  type DestinationAdapter,
  type OutgoingRecord,
} from '../../../src/adapters/destination/destination';
import type { PlannedRow } from '../../../src/adapters/warehouse/tracking';
import { deliverPlan } from '../../../src/runs/deliver';

const policy = { baseMs: 100, maxWaitMs: 5_000, maxRateLimitedMs: 20_000 };

type Script = (batch: OutgoingRecord[], call: number) => BatchResult | DeliveryError;

function destination(script: Script, maxRetries = 3): DestinationAdapter & { calls: number } {
  const d = {
    type: 'scripted',
    limits: { batchSize: 10, maxBatchBytes: 1e6, maxInFlight: 1, timeoutMs: 1000, maxRetries },
    supportsRemovals: false,
    calls: 0,
    recordProblem: () => undefined,
    recordBytes: () => 10,
    send: async (batch: OutgoingRecord[]) => {
      const r = script(batch, ++d.calls);
      if (r instanceof DeliveryError) throw r;
      return r;
    },
  };
  return d;
}

const planned = (n: number): PlannedRow[] =>
  Array.from({ length: n }, (_, k) => ({
    seq: k + 1,
    op: 'add' as const,
    recordId: String(k + 1),
    checksum: `c${k + 1}`,
    values: { id: k + 1 },
  }));

async function deliver(dest: DestinationAdapter, rows = planned(4)) {
  const waits: number[] = [];
  const committed: number[] = [];
  const result = await deliverPlan(
    {
      readPage: async (after, limit) => rows.filter((r) => r.seq > after).slice(0, limit),
      commit: async (o) => {
        committed.push(...o.filter((x) => x.accepted).map((x) => x.seq));
      },
    },
    {
      sync: 's',
      destination: dest,
      mapping: { id: 'id' },
      policy,
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  );
  return { result, waits, committed };
}

const ok: BatchResult = { rejected: new Map() };

test('Retry-After is waited as asked (capped at maxWaitMs); 429s do not use up the retry budget', async () => {
  const dest = destination(
    (_b, call) =>
      call <= 5 ? new DeliveryError('rate_limited', 'HTTP 429', [1500, 0, 9000, 2000, 10][call - 1]) : ok,
    1,
  );
  const { result, waits, committed } = await deliver(dest);
  expect(result.failure).toBeUndefined();
  expect(waits).toEqual([1500, 0, 5000, 2000, 10]);
  expect(committed).toEqual([1, 2, 3, 4]);
  expect(dest.calls).toBe(6);
});

test('5xx back off exponentially within [half, full] and give up after maxRetries', async () => {
  const dest = destination(() => new DeliveryError('retryable', 'HTTP 503'), 3);
  const { result, waits, committed } = await deliver(dest);
  expect(result.failure).toBe('HTTP 503 (gave up after 3 retries)');
  expect(dest.calls).toBe(4);
  expect(waits).toHaveLength(3);
  waits.forEach((w, i) => {
    const full = 100 * 2 ** i;
    expect(w).toBeGreaterThanOrEqual(full / 2);
    expect(w).toBeLessThanOrEqual(full);
  });
  expect(committed).toEqual([]);
});

test('rate limiting that lasts longer than maxRateLimitedMs fails the run with the service message', async () => {
  const dest = destination(() => new DeliveryError('rate_limited', 'HTTP 429 slow down', 4000));
  const { result, waits } = await deliver(dest);
  expect(result.failure).toBe('HTTP 429 slow down; still rate limited after waiting 24 s');
  expect(waits).toEqual([4000, 4000, 4000, 4000, 4000]);
});

test('an invalid batch is split down to the row that is refused; a fatal answer stops delivery', async () => {
  const invalid = destination((batch) =>
    batch.some((r) => r.seq === 3) ? new DeliveryError('invalid', 'row 3 is bad') : ok,
  );
  const split = await deliver(invalid);
  expect(split.result.failure).toBeUndefined();
  expect(split.committed).toEqual([1, 2, 4]);
  expect(split.waits).toEqual([]);

  const fatal = destination(() => new DeliveryError('fatal', 'HTTP 401 bad token'));
  const stopped = await deliver(fatal);
  expect(stopped.result.failure).toBe('HTTP 401 bad token');
  expect(fatal.calls).toBe(1);
});
