/**
 * `webhook`: JSON batches POSTed to a URL.
 *
 * Request body: `{ "sync": NAME, "run_id": ID, "records": [{ "id": IDEMPOTENCY_KEY, "record_id": KEY,
 * "op": "upsert" | "delete", "fields": {…} }] }`. With `signing_secret`, the header
 * `X-Backflow-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` lets the receiver verify it (as
 * GitHub's `X-Hub-Signature-256`). A 2xx means every record was accepted, unless the body says otherwise
 * per record: `{ "results": [{ "id": IDEMPOTENCY_KEY, "status": "rejected", "reason": "…" }] }` (records
 * not listed are accepted).
 */
import { createHmac } from 'node:crypto';
import type {
  BatchResult,
  DestinationAdapter,
  DestinationKind,
  DestinationSettings,
  OutgoingRecord,
} from '../destination';
import { DeliveryError } from '../destination';
import { parseAnswer, postJson } from '../http';
import { webhookSettings, type WebhookSettings } from './webhook-settings';

/** Receivers commonly cap bodies at a few MB; a record beyond 1 MiB is refused before sending. */
const MAX_RECORD_BYTES = 1024 * 1024;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;

export function webhookRecord(r: OutgoingRecord): Record<string, unknown> {
  return {
    id: r.idempotencyKey,
    record_id: r.recordId,
    op: r.op === 'remove' ? 'delete' : 'upsert',
    ...(r.fields !== null ? { fields: r.fields } : {}),
  };
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

class WebhookDestination implements DestinationAdapter {
  readonly type = 'webhook';
  readonly supportsRemovals = true;
  readonly limits;
  private readonly what: string;

  constructor(
    private readonly s: WebhookSettings,
    private readonly sync: string,
    private readonly runId: string,
  ) {
    this.limits = {
      batchSize: s.batchSize,
      maxBatchBytes: MAX_BATCH_BYTES,
      maxInFlight: s.maxInFlight,
      timeoutMs: s.timeoutMs,
      maxRetries: s.maxRetries,
    };
    this.what = `webhook ${new URL(s.url).origin}`;
  }

  /** Each record's JSON, encoded once: sizing it for the batch and sending it use the same text. */
  private readonly encoded = new WeakMap<OutgoingRecord, string>();

  private encode(r: OutgoingRecord): string {
    let text = this.encoded.get(r);
    if (text === undefined) {
      text = JSON.stringify(webhookRecord(r));
      this.encoded.set(r, text);
    }
    return text;
  }

  recordBytes(r: OutgoingRecord): number {
    return Buffer.byteLength(this.encode(r)) + 1;
  }

  recordProblem(r: OutgoingRecord): string | undefined {
    const bytes = this.recordBytes(r);
    return bytes > MAX_RECORD_BYTES
      ? `record is ${bytes} bytes encoded; the webhook destination sends at most ${MAX_RECORD_BYTES}`
      : undefined;
  }

  async send(batch: OutgoingRecord[], signal: AbortSignal): Promise<BatchResult> {
    const body = `{"sync":${JSON.stringify(this.sync)},"run_id":${JSON.stringify(this.runId)},"records":[${batch.map((r) => this.encode(r)).join(',')}]}`;
    const headers: Record<string, string> = { ...this.s.headers };
    if (this.s.signingSecret !== undefined) {
      headers['x-backflow-signature-256'] = signature(this.s.signingSecret, body);
    }
    const answer = await postJson(this.s.url, body, headers, this.limits.timeoutMs, signal, this.what);
    return { rejected: rejectedByBody(parseAnswer(answer, this.what), batch, this.what) };
  }
}

/** Per-record rejections a receiver reported, mapped back to seqs by idempotency key. */
function rejectedByBody(body: unknown, batch: OutgoingRecord[], what: string): Map<number, string> {
  const rejected = new Map<number, string>();
  if (body === undefined || body === null || typeof body !== 'object') return rejected;
  const results = (body as { results?: unknown }).results;
  if (results === undefined) return rejected;
  if (!Array.isArray(results)) {
    throw new DeliveryError('retryable', `${what}: "results" in its answer is not a list`);
  }
  const byKey = new Map(batch.map((r) => [r.idempotencyKey, r.seq]));
  for (const item of results) {
    const r = (item ?? {}) as { id?: unknown; status?: unknown; reason?: unknown };
    if (r.status !== 'rejected' && r.status !== 'error') continue;
    const seq = typeof r.id === 'string' ? byKey.get(r.id) : undefined;
    if (seq === undefined) continue; // a result for a record not in this batch says nothing about ours
    rejected.set(
      seq,
      typeof r.reason === 'string' && r.reason !== '' ? r.reason : 'rejected by the receiver',
    );
  }
  return rejected;
}

export const webhookDestination: DestinationKind = {
  type: 'webhook',
  supportsRemovals: true,
  open: (settings: DestinationSettings) =>
    new WebhookDestination(webhookSettings(settings.attributes), settings.sync, settings.runId),
};
