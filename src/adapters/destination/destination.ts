/**
 * The contract every destination implements (one folder per destination, as with warehouses). The run
 * engine (src/runs) batches, retries and commits; a destination only encodes a batch, sends it, and says
 * which records its service accepted. It never retries on its own: it classifies failures instead
 * (`DeliveryError`), so the retry policy — backoff, `Retry-After`, a retry budget that rate limits do not
 * use up — is written once.
 */
import type { PlannedOp } from '../warehouse/tracking';

/** One planned row, mapped onto the destination's fields. */
export interface OutgoingRecord {
  /** Position in the run's plan (outcomes are reported by seq). */
  seq: number;
  /** The model's primary key as text. */
  recordId: string;
  /** `add`, `change`, `retry`: make the record exist as `fields`; `remove`: delete it (mirror mode). */
  op: PlannedOp;
  /** Deterministic per (sync, record, checksum, op): a retried request carries the same key. */
  idempotencyKey: string;
  /** Destination field → value (JSON-safe), from the sync's mapping; null for `remove`. */
  fields: Record<string, unknown> | null;
}

/** What the service said about a batch it answered: records not listed in `rejected` were accepted. */
export interface BatchResult {
  /** seq → the service's reason. */
  rejected: Map<number, string>;
}

/**
 * Why a batch was not answered.
 * - `rate_limited`: 429 (or the service's equivalent): wait `retryAfterMs` (or back off), retry; does not
 *   use up the retry budget.
 * - `retryable`: network error, timeout, 5xx, a malformed answer: back off and retry within the budget.
 * - `invalid`: the service refused the whole batch as malformed or too large (400, 413, 422) without
 *   saying which record: the runner splits the batch in halves until the culprit is alone, and a lone
 *   record refused this way is rejected with the service's reason.
 * - `fatal`: the request can never succeed as configured (401/403: credentials; 404: wrong URL or object
 *   type): the run fails with this message, no retry.
 */
export type DeliveryErrorKind = 'rate_limited' | 'retryable' | 'invalid' | 'fatal';

export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryErrorKind,
    message: string,
    /** From `Retry-After` (seconds or an HTTP date), when the service sent one. */
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Delivery settings every destination has (config fields with per-type defaults). */
export interface DeliveryLimits {
  /** Records per request. */
  batchSize: number;
  /** Encoded bytes per request (the service's cap, minus room for the envelope). */
  maxBatchBytes: number;
  /** Requests in flight at once. */
  maxInFlight: number;
  /** Per request. */
  timeoutMs: number;
  /** Retries of one batch after `retryable` failures. */
  maxRetries: number;
}

export interface DestinationAdapter {
  readonly type: string;
  readonly limits: DeliveryLimits;
  /** Whether `remove` can be delivered (mirror mode); validation refuses mirror syncs otherwise. */
  readonly supportsRemovals: boolean;
  /**
   * A reason when this record can never be delivered (larger than the service accepts, no identity
   * field): it is rejected without being sent. Undefined when it may be sent.
   */
  recordProblem(record: OutgoingRecord): string | undefined;
  /** Encoded size of the record inside a request body, for byte-capped batches. */
  recordBytes(record: OutgoingRecord): number;
  /** Sends one batch. Throws `DeliveryError`; any other exception is a bug. */
  send(batch: OutgoingRecord[], signal: AbortSignal): Promise<BatchResult>;
}

/** What a destination is opened with: its attributes from state with secrets revealed. Never log it. */
export interface DestinationSettings {
  attributes: Record<string, unknown>;
  /** For request metadata (webhook envelope, idempotency scopes). */
  sync: string;
  runId: string;
}

/** Per-type entry point (registry.ts lists them). */
export interface DestinationKind {
  readonly type: string;
  readonly supportsRemovals: boolean;
  open(settings: DestinationSettings): DestinationAdapter;
}
