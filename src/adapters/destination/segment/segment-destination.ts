/**
 * `segment`: Segment's HTTP Tracking API, `POST {endpoint}/v1/batch` with `{ "batch": [event, …] }` and
 * Basic auth (the write key as user name, an empty password). See README.md in this folder for the
 * protocol, limits and mapping.
 *
 * Segment answers 200 to every request it can parse — including events it later drops (no identity, a
 * wrong write key): a 200 means "queued", and Backflow counts the batch as accepted. It answers 400 for
 * invalid JSON and for oversize requests or events, which the runner bisects down to the one record
 * Segment refuses. Oversize events and events without an identity never leave Backflow: they are
 * rejected by `recordProblem` with the reason.
 */
import type {
  BatchResult,
  DestinationAdapter,
  DestinationKind,
  DestinationSettings,
  OutgoingRecord,
} from '../destination';
import { parseAnswer, postJson } from '../http';
import { MAX_EVENT_BYTES, segmentEvent } from './segment-event';
import { segmentSettings, type SegmentSettings } from './segment-settings';

/** At most 500 KB per request; the envelope `{"batch":[…]}` and separators fit in the margin. */
export const MAX_REQUEST_BYTES = 500 * 1024;
const MAX_BATCH_BYTES = MAX_REQUEST_BYTES - 1024;

interface Encoded {
  json: string;
  problem?: string;
}

class SegmentDestination implements DestinationAdapter {
  readonly type = 'segment';
  readonly supportsRemovals = false;
  readonly limits;
  private readonly what: string;
  private readonly authorization: string;
  /** Each record is encoded once, for its size check, its batch's byte count and the request body. */
  private readonly encoded = new WeakMap<OutgoingRecord, Encoded>();

  constructor(private readonly s: SegmentSettings) {
    this.limits = {
      batchSize: s.batchSize,
      maxBatchBytes: MAX_BATCH_BYTES,
      maxInFlight: s.maxInFlight,
      timeoutMs: s.timeoutMs,
      maxRetries: s.maxRetries,
    };
    this.what = `Segment ${new URL(s.batchUrl).origin}`;
    this.authorization = `Basic ${Buffer.from(`${s.writeKey}:`).toString('base64')}`;
  }

  private encode(r: OutgoingRecord): Encoded {
    let e = this.encoded.get(r);
    if (e === undefined) {
      const { event, problem } = segmentEvent(r, this.s);
      e = { json: JSON.stringify(event), ...(problem !== undefined ? { problem } : {}) };
      this.encoded.set(r, e);
    }
    return e;
  }

  recordBytes(r: OutgoingRecord): number {
    return Buffer.byteLength(this.encode(r).json) + 1;
  }

  recordProblem(r: OutgoingRecord): string | undefined {
    const e = this.encode(r);
    if (e.problem !== undefined) return e.problem;
    const bytes = Buffer.byteLength(e.json);
    return bytes > MAX_EVENT_BYTES
      ? `event is ${bytes} bytes encoded; Segment accepts at most 32 KB (${MAX_EVENT_BYTES} bytes) per event`
      : undefined;
  }

  async send(batch: OutgoingRecord[], signal: AbortSignal): Promise<BatchResult> {
    const body = `{"batch":[${batch.map((r) => this.encode(r).json).join(',')}]}`;
    const answer = await postJson(
      this.s.batchUrl,
      body,
      { authorization: this.authorization },
      this.limits.timeoutMs,
      signal,
      this.what,
    );
    // The body is `{"success":true}`; one that is not JSON leaves the outcome unknown, and parseAnswer
    // makes that a retry — safe, since Segment drops the repeated messageIds.
    parseAnswer(answer, this.what);
    return { rejected: new Map() };
  }
}

export function openSegment(settings: DestinationSettings): DestinationAdapter {
  return new SegmentDestination(segmentSettings(settings.attributes));
}

export const segmentDestination: DestinationKind = {
  type: 'segment',
  supportsRemovals: false,
  open: openSegment,
};
