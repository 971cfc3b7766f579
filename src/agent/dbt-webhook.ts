/**
 * dbt Cloud webhooks: the `Authorization` header is the bare lowercase hex HMAC-SHA256 of the raw body,
 * keyed by the subscription's secret. Verified in constant time before the body is even parsed; only
 * `job.run.completed` with `runStatusCode` 10 (success) for a job a sync names queues runs, once per
 * `eventId`. dbt retries a delivery 5 times with a 10 s timeout, so the answer is immediate.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** dbt Cloud's payloads are about 1 KB; anything near this is not one. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

export interface DbtRunEvent {
  eventId: string;
  accountId: number;
  jobId: number;
  runId: number;
  /** ISO time of the event (dbt's `timestamp`). */
  timestamp: string;
}

export type Parsed =
  | { kind: 'run_succeeded'; event: DbtRunEvent }
  | { kind: 'ignored'; why: string }
  | { kind: 'malformed'; why: string };

export function signature(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** True when `header` is the signature of `body` under one of `secrets` (each compared in constant time). */
export function verifySignature(
  header: string | undefined,
  body: Buffer,
  secrets: readonly string[],
): boolean {
  if (header === undefined || !/^[0-9a-fA-F]{64}$/.test(header.trim())) return false;
  const given = Buffer.from(header.trim().toLowerCase(), 'hex');
  let ok = false;
  for (const secret of secrets) {
    const want = createHmac('sha256', secret).update(body).digest();
    // No early exit: every secret is tried, so timing does not tell which one matched.
    if (timingSafeEqual(given, want)) ok = true;
  }
  return ok;
}

function int(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Reads a verified body defensively (dbt sends ids in `data` as strings). */
export function parseDbtEvent(body: Buffer): Parsed {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'malformed', why: 'body is not JSON' };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return { kind: 'malformed', why: 'body is not an object' };
  const d = doc as Record<string, unknown>;
  const eventId = typeof d.eventId === 'string' && d.eventId.trim() !== '' ? d.eventId.trim() : undefined;
  if (eventId === undefined || eventId.length > 200) return { kind: 'malformed', why: 'eventId is missing' };
  if (typeof d.eventType !== 'string') return { kind: 'malformed', why: 'eventType is missing' };
  const data = d.data;
  if (typeof data !== 'object' || data === null) return { kind: 'malformed', why: 'data is missing' };
  const x = data as Record<string, unknown>;
  if (d.eventType !== 'job.run.completed') return { kind: 'ignored', why: `event ${d.eventType}` };
  const code = int(x.runStatusCode);
  if (code !== 10) return { kind: 'ignored', why: `run status ${String(x.runStatus ?? x.runStatusCode)}` };
  const accountId = int(d.accountId);
  const jobId = int(x.jobId);
  const runId = int(x.runId);
  const timestamp = typeof d.timestamp === 'string' ? d.timestamp : '';
  if (accountId === undefined || jobId === undefined || runId === undefined)
    return { kind: 'malformed', why: 'accountId, data.jobId or data.runId is not a number' };
  if (Number.isNaN(Date.parse(timestamp))) return { kind: 'malformed', why: 'timestamp is not a time' };
  return { kind: 'run_succeeded', event: { eventId, accountId, jobId, runId, timestamp } };
}
