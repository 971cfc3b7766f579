/**
 * A webhook receiver for tests and benchmarks, on 127.0.0.1:0. It speaks the `webhook` destination's
 * protocol (src/adapters/destination/webhook/webhook-destination.ts): verifies the HMAC signature when it
 * has the secret, caps bodies (413), logs every record it accepts, and de-duplicates on the record's `id`
 * (the idempotency key) the way Segment does on `messageId`, counting duplicates so tests can prove
 * "exactly once up to the idempotency key". Faults are queued per request: a status with `Retry-After`,
 * a malformed body, a stall past the client's timeout, a dropped connection, or per-record rejections.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerJson as answer, listenLoopback, readBody } from '../shared/http';

export interface ReceivedRecord {
  id: string;
  record_id: string;
  op: 'upsert' | 'delete';
  fields?: Record<string, unknown>;
}

export type Fault =
  | { status: number; retryAfter?: string; body?: string }
  | { malformed: true }
  | { stallMs: number }
  | { dropConnection: true };

export interface WebhookServerOptions {
  signingSecret?: string;
  /** Bearer-style header value required in `authorization`, when set. */
  authorization?: string;
  /** Largest body accepted (bytes); default 5 MiB. */
  maxBodyBytes?: number;
  /** Records for which the receiver answers `rejected` with this reason. */
  reject?: (record: ReceivedRecord) => string | undefined;
}

export interface WebhookServer {
  url: string;
  /** Every accepted record, in arrival order, duplicates included. */
  received: ReceivedRecord[];
  /** Accepted records by id: the latest delivery of each idempotency key. */
  unique: Map<string, ReceivedRecord>;
  /** Deliveries of an id seen before. */
  duplicates: number;
  /** Requests answered (any status). */
  requests: number;
  /** Requests refused for a bad signature. */
  badSignatures: number;
  /** Faults answered before normal service resumes, in order. */
  faults: Fault[];
  options: WebhookServerOptions;
  /** Current state of the destination: record_id → fields (upserts applied, deletes removed). */
  current(): Map<string, Record<string, unknown>>;
  reset(): void;
  close(): Promise<void>;
}

export async function startWebhookServer(options: WebhookServerOptions = {}): Promise<WebhookServer> {
  const state: WebhookServer = {
    url: '',
    received: [],
    unique: new Map(),
    duplicates: 0,
    requests: 0,
    badSignatures: 0,
    faults: [],
    options,
    current() {
      const out = new Map<string, Record<string, unknown>>();
      for (const r of state.received) {
        if (r.op === 'delete') out.delete(r.record_id);
        else out.set(r.record_id, r.fields ?? {});
      }
      return out;
    },
    reset() {
      state.received.length = 0;
      state.unique.clear();
      state.duplicates = 0;
      state.requests = 0;
      state.badSignatures = 0;
      state.faults.length = 0;
    },
    close: () => http.close(),
  };

  const http = await listenLoopback(async (req: IncomingMessage, res: ServerResponse) => {
    state.requests += 1;
    if (req.method !== 'POST') return answer(res, 405, { error: 'POST only' });
    const body = await readBody(req, options.maxBodyBytes ?? 5 * 1024 * 1024);
    const fault = state.faults.shift();
    if (fault && 'stallMs' in fault) await new Promise((r) => setTimeout(r, fault.stallMs));
    if (fault && 'dropConnection' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      return answer(res, fault.status, fault.body ?? { error: `injected ${fault.status}` }, {
        ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
      });
    }
    if (body === 'too_large') return answer(res, 413, { error: 'body too large' });
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization) {
      return answer(res, 401, { error: 'bad credentials' });
    }
    if (options.signingSecret !== undefined) {
      const want = Buffer.from(
        `sha256=${createHmac('sha256', options.signingSecret).update(body).digest('hex')}`,
      );
      const got = Buffer.from(String(req.headers['x-backflow-signature-256'] ?? ''));
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        state.badSignatures += 1;
        return answer(res, 401, { error: 'bad signature' });
      }
    }
    let parsed: { records?: ReceivedRecord[] };
    try {
      parsed = JSON.parse(body.toString('utf8')) as { records?: ReceivedRecord[] };
    } catch {
      return answer(res, 400, { error: 'invalid JSON' });
    }
    if (!Array.isArray(parsed.records)) return answer(res, 400, { error: 'records must be a list' });
    const results: { id: string; status: string; reason?: string }[] = [];
    for (const r of parsed.records) {
      const reason = options.reject?.(r);
      if (reason !== undefined) {
        results.push({ id: r.id, status: 'rejected', reason });
        continue;
      }
      if (state.unique.has(r.id)) state.duplicates += 1;
      state.unique.set(r.id, r);
      state.received.push(r);
      results.push({ id: r.id, status: 'accepted' });
    }
    if (fault && 'malformed' in fault) return answer(res, 200, '{"results": [');
    return answer(res, 200, { results });
  });
  state.url = `${http.url}/hook`;
  return state;
}
