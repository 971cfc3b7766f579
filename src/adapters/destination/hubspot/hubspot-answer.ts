/**
 * Reading a batch-upsert answer (200, or 207 with per-input errors) into per-record rejections.
 *
 * Answer: `{ status, results: [{ id, properties, objectWriteTraceId, … }], numErrors?, errors?: [{
 * status: "error", category, message, context: { objectWriteTraceId?: [..], ids?: [..] } }] }`. Each
 * error names its inputs by trace id (our idempotency key) or by id; records no error names were written.
 */
import { DeliveryError } from '../destination';
import type { OutgoingRecord } from '../destination';
import { idKey, type UpsertInput } from './hubspot-input';

interface HubspotError {
  category?: unknown;
  message?: unknown;
  context?: { objectWriteTraceId?: unknown; ids?: unknown };
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/**
 * HubSpot's property errors are a JSON list inside the message ("Property values were not valid:
 * [{…}]"); the reason kept is each entry's own message and code, which is what a user can act on.
 */
export function errorReason(e: HubspotError): string {
  const message = typeof e.message === 'string' ? e.message : 'rejected by HubSpot';
  const prefix = 'Property values were not valid: ';
  if (message.startsWith(prefix)) {
    try {
      const items = JSON.parse(message.slice(prefix.length)) as {
        message?: unknown;
        error?: unknown;
        name?: unknown;
      }[];
      const parts = items
        .map((i) =>
          typeof i.message === 'string'
            ? `${i.message}${typeof i.error === 'string' ? ` (${i.error})` : ''}`
            : undefined,
        )
        .filter((x): x is string => x !== undefined);
      if (parts.length > 0) return `Property values were not valid: ${parts.join('; ')}`;
    } catch {
      // not the usual shape: keep the message as it is
    }
  }
  const category = typeof e.category === 'string' ? `${e.category}: ` : '';
  return `${category}${message}`;
}

export function rejectedByAnswer(
  body: unknown,
  batch: OutgoingRecord[],
  inputs: UpsertInput[],
  what: string,
): Map<number, string> {
  const rejected = new Map<number, string>();
  if (body === null || typeof body !== 'object') {
    throw new DeliveryError('retryable', `${what} answered without a batch result`);
  }
  const b = body as { results?: unknown; errors?: unknown };
  const errors = Array.isArray(b.errors) ? (b.errors as HubspotError[]) : [];
  if (errors.length === 0) return rejected;

  const byTrace = new Map<string, number>();
  const byId = new Map<string, number[]>();
  batch.forEach((r, i) => {
    byTrace.set(inputs[i].objectWriteTraceId, r.seq);
    const key = idKey(inputs[i].idProperty, inputs[i].id);
    byId.set(key, [...(byId.get(key) ?? []), r.seq]);
  });
  const unplaced: string[] = [];
  for (const e of errors) {
    const reason = errorReason(e);
    const seqs = [
      ...strings(e.context?.objectWriteTraceId).map((t) => byTrace.get(t)),
      ...strings(e.context?.ids).flatMap((id) => byId.get(idKey(inputs[0]?.idProperty ?? '', id)) ?? []),
    ].filter((s): s is number => s !== undefined);
    if (seqs.length === 0) unplaced.push(reason);
    for (const s of seqs) if (!rejected.has(s)) rejected.set(s, reason);
  }
  if (unplaced.length === 0) return rejected;

  // An error naming no input of ours: the records without a result are the ones it is about, when
  // results carry trace ids. Without them nothing tells which records were written: the runner splits
  // the batch (re-sending an upsert is harmless: it writes the same values again).
  const results = Array.isArray(b.results) ? (b.results as { objectWriteTraceId?: unknown }[]) : [];
  const written = new Set(
    results.map((r) => r.objectWriteTraceId).filter((t): t is string => typeof t === 'string'),
  );
  if (written.size === 0) {
    throw new DeliveryError(
      'invalid',
      `${what} reported errors it did not tie to records: ${unplaced.slice(0, 3).join('; ')}`,
    );
  }
  for (const [i, r] of batch.entries()) {
    if (!written.has(inputs[i].objectWriteTraceId) && !rejected.has(r.seq)) rejected.set(r.seq, unplaced[0]);
  }
  return rejected;
}
