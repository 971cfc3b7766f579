/**
 * Delivery of a run's plan: rows are read from the warehouse page by page (keyset on seq, so memory stays
 * bounded whatever the plan's size), mapped onto destination fields, packed into batches the destination
 * accepts (records and bytes), sent with at most `maxInFlight` requests at once, retried by the retry
 * policy, and committed batch by batch: a batch's outcomes are durable in the warehouse before its rows
 * count as delivered. Nothing here knows a protocol or writes SQL.
 */
import type { DestinationAdapter, OutgoingRecord } from '../adapters/destination/destination';
import { DeliveryError } from '../adapters/destination/destination';
import type { PlannedRow, RowOutcome } from '../adapters/warehouse/tracking';
import { idempotencyKey } from './idempotency';
import pRetry from 'p-retry';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, waitMs } from './retry-policy';

/** Delivery stopped (a failure elsewhere, or a signal) before the batch was answered. */
class Stopped extends Error {}

/** The retry budget, or the time allowed for rate limiting, ran out. */
class GaveUp extends Error {}

export interface DeliveryPorts {
  /** Rows with seq > afterSeq and no outcome, in seq order, at most `limit`. */
  readPage(afterSeq: number, limit: number): Promise<PlannedRow[]>;
  /** Makes one batch's outcomes durable (tracking and rejections). */
  commit(outcomes: RowOutcome[]): Promise<void>;
}

export interface DeliveryEvents {
  /** After a batch's outcomes are committed. */
  onCommitted?(outcomes: RowOutcome[]): void;
  /** Before waiting to retry a batch. */
  onRetry?(reason: string, waitMs: number, rateLimited: boolean): void;
}

export interface DeliveryOptions {
  sync: string;
  destination: DestinationAdapter;
  /** Destination field → model column. */
  mapping: Record<string, string>;
  /** A stop request (SIGTERM, agent shutdown): no new batches; in-flight ones finish and commit. */
  signal?: AbortSignal;
  /**
   * Mirror mode: removals go out only when every add, change and retry of the run was accepted. True when
   * an earlier part of this run (before a resume) already had a non-removal rejected.
   */
  earlierRejection?: boolean;
  policy?: RetryPolicy;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  events?: DeliveryEvents;
}

export interface DeliveryResult {
  /** Why delivery stopped early: a batch that could not be delivered, or a stop request. */
  failure?: string;
  stopped: boolean;
  /** Removals were planned but held back because a non-removal was rejected. */
  removalsDeferred: boolean;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export function toOutgoing(sync: string, row: PlannedRow, mapping: Record<string, string>): OutgoingRecord {
  let fields: Record<string, unknown> | null = null;
  if (row.op !== 'remove' && row.values !== null) {
    fields = {};
    for (const [field, column] of Object.entries(mapping)) fields[field] = row.values[column] ?? null;
  }
  return {
    seq: row.seq,
    recordId: row.recordId,
    op: row.op,
    idempotencyKey: idempotencyKey(sync, row.recordId, row.checksum, row.op),
    fields,
  };
}

/** Counting semaphore: at most `n` batches in flight. */
class Slots {
  private free: number;
  private waiting: (() => void)[] = [];
  constructor(n: number) {
    this.free = n;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

export async function deliverPlan(ports: DeliveryPorts, opts: DeliveryOptions): Promise<DeliveryResult> {
  const dest = opts.destination;
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  const sleep = opts.sleep ?? defaultSleep;
  const limits = dest.limits;
  const stopAll = new AbortController();
  const external = opts.signal;
  const signal = external ? AbortSignal.any([external, stopAll.signal]) : stopAll.signal;
  const slots = new Slots(limits.maxInFlight);
  const inFlight = new Set<Promise<void>>();
  let commitTail: Promise<void> = Promise.resolve();
  let failure: string | undefined;
  let nonRemovalRejected = opts.earlierRejection === true;
  let removalsDeferred = false;

  const fail = (why: string) => {
    if (failure === undefined) failure = why;
    stopAll.abort();
  };

  /** Checksums of rows read but not yet committed: an accepted row's tracking takes its checksum. */
  const checksums = new Map<number, string | null>();

  const commit = (answered: RowOutcome[]): Promise<void> => {
    const outcomes = answered.map((o) => ({ ...o, checksum: checksums.get(o.seq) ?? null }));
    for (const o of outcomes) checksums.delete(o.seq);
    if (outcomes.some((o) => !o.accepted && o.op !== 'remove')) nonRemovalRejected = true;
    const run = commitTail.then(async () => {
      if (outcomes.length === 0) return;
      await ports.commit(outcomes);
      opts.events?.onCommitted?.(outcomes);
    });
    commitTail = run.catch((err) => fail(`recording delivered rows failed: ${messageOf(err)}`));
    return commitTail;
  };

  /**
   * Sends `batch` until answered; splits it on `invalid`. Resolves with every record's outcome, or
   * undefined when delivery stops (a failure, or a signal). p-retry repeats the send; the policy — which
   * errors use up the retry budget, how long to wait, when rate limiting has lasted too long — is decided in
   * onFailedAttempt, so p-retry's own timer stays at zero and the wait honours `Retry-After` and the signal.
   */
  const sendBatch = async (batch: OutgoingRecord[]): Promise<RowOutcome[] | undefined> => {
    let attempt = 0;
    let rateLimitedFor = 0;
    try {
      return await pRetry(
        async () => {
          if (stopAll.signal.aborted) throw new pRetry.AbortError(new Stopped());
          try {
            const result = await dest.send(batch, stopAll.signal);
            return batch.map((r) => outcome(r, result.rejected.get(r.seq)));
          } catch (err) {
            // Only a retryable or rate-limited answer is sent again; anything else ends the attempts.
            if (err instanceof DeliveryError && (err.kind === 'retryable' || err.kind === 'rate_limited'))
              throw err;
            throw new pRetry.AbortError(err instanceof Error ? err : new Error(String(err)));
          }
        },
        {
          forever: true,
          retries: 1,
          minTimeout: 0,
          maxTimeout: 0,
          factor: 1,
          randomize: false,
          onFailedAttempt: async (error) => {
            const err = error as unknown as DeliveryError;
            const rateLimited = err.kind === 'rate_limited';
            if (!rateLimited) {
              attempt += 1;
              if (attempt > limits.maxRetries)
                throw new GaveUp(`${err.message} (gave up after ${limits.maxRetries} retries)`);
            }
            const wait = waitMs(
              policy,
              rateLimited ? Math.min(rateLimitedFor / policy.baseMs, 6) : attempt - 1,
              err.retryAfterMs,
            );
            if (rateLimited) {
              rateLimitedFor += Math.max(wait, 1);
              if (rateLimitedFor > policy.maxRateLimitedMs)
                throw new GaveUp(
                  `${err.message}; still rate limited after waiting ${Math.round(rateLimitedFor / 1000)} s`,
                );
            }
            opts.events?.onRetry?.(err.message, wait, rateLimited);
            await sleep(wait, stopAll.signal);
          },
        },
      );
    } catch (err) {
      if (err instanceof Stopped) return undefined;
      if (err instanceof GaveUp || (err instanceof DeliveryError && err.kind === 'fatal')) {
        fail(err.message);
        return undefined;
      }
      if (!(err instanceof DeliveryError) || err.kind !== 'invalid') throw err;
      if (batch.length === 1) return [outcome(batch[0], err.message)];
      const half = Math.ceil(batch.length / 2);
      const first = await sendBatch(batch.slice(0, half));
      const second = first ? await sendBatch(batch.slice(half)) : undefined;
      return first && second ? [...first, ...second] : undefined;
    }
  };

  const dispatch = async (batch: OutgoingRecord[]): Promise<void> => {
    await slots.take();
    const p = (async () => {
      try {
        const outcomes = await sendBatch(batch);
        if (outcomes) await commit(outcomes);
      } catch (err) {
        fail(`delivery failed: ${messageOf(err)}`);
      } finally {
        slots.give();
      }
    })();
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const drain = async () => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    await commitTail;
  };

  const pageSize = Math.max(1000, limits.batchSize * limits.maxInFlight * 2);
  let afterSeq = 0;
  let batch: OutgoingRecord[] = [];
  let batchBytes = 0;
  let sawRemoval = false;

  reading: while (!signal.aborted) {
    let page: PlannedRow[];
    try {
      page = await ports.readPage(afterSeq, pageSize);
    } catch (err) {
      fail(`reading the run's plan failed: ${messageOf(err)}`);
      break;
    }
    if (page.length === 0) break;
    for (const row of page) {
      afterSeq = row.seq;
      if (row.op === 'remove' && !sawRemoval) {
        // Mirror mode: every earlier row must be answered and committed before the first removal.
        sawRemoval = true;
        if (batch.length > 0) await dispatch(batch);
        batch = [];
        batchBytes = 0;
        await drain();
        if (failure !== undefined || signal.aborted) break reading;
        if (nonRemovalRejected) {
          removalsDeferred = true;
          break reading;
        }
      }
      checksums.set(row.seq, row.checksum);
      const record = toOutgoing(opts.sync, row, opts.mapping);
      const problem = dest.recordProblem(record);
      if (problem !== undefined) {
        await commit([outcome(record, problem)]);
        continue;
      }
      const bytes = dest.recordBytes(record);
      if (
        batch.length > 0 &&
        (batch.length >= limits.batchSize || batchBytes + bytes > limits.maxBatchBytes)
      ) {
        await dispatch(batch);
        batch = [];
        batchBytes = 0;
        if (signal.aborted) break reading;
      }
      batch.push(record);
      batchBytes += bytes;
    }
  }
  if (batch.length > 0 && !signal.aborted) await dispatch(batch);
  await drain();
  return {
    failure,
    stopped: failure === undefined && external?.aborted === true,
    removalsDeferred,
  };
}

/** A record's outcome; its checksum is filled in from the plan when committed. */
function outcome(r: OutgoingRecord, rejectedBecause: string | undefined): RowOutcome {
  return {
    seq: r.seq,
    recordId: r.recordId,
    op: r.op,
    checksum: null,
    accepted: rejectedBecause === undefined,
    ...(rejectedBecause !== undefined ? { reason: rejectedBecause } : {}),
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
