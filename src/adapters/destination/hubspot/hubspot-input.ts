/**
 * One record as one batch-upsert input: `{ id, idProperty, properties, objectWriteTraceId }`.
 *
 * - `id` is the value of the destination field named like `id_property` when the sync maps one (e.g.
 *   `"email": "email_address"`), else the model's primary key.
 * - `properties` are every mapped field, values in HubSpot's text forms: HubSpot stores every property
 *   as a string and parses numbers, booleans, dates and options out of it (`hubspotValue`).
 * - `objectWriteTraceId` is the record's idempotency key: HubSpot echoes it in `results[]` and in each
 *   `errors[].context.objectWriteTraceId`, which is how a partial failure maps back to rows, and it
 *   makes HubSpot answer 207 with per-input errors instead of refusing the whole batch.
 */
import type { OutgoingRecord } from '../destination';

export interface UpsertInput {
  id: string;
  idProperty: string;
  properties: Record<string, string>;
  objectWriteTraceId: string;
}

/**
 * A value as HubSpot takes it. null → "" (HubSpot clears the property); booleans → "true"/"false";
 * numbers → decimal text without exponent (HubSpot's number properties refuse "1e+21"); lists →
 * "a;b" (the form of multiple-checkbox properties); other objects → their JSON; strings as they are
 * (ISO 8601 dates and datetimes are what HubSpot's date properties take).
 */
export function hubspotValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return '';
    const text = String(v);
    return /e/i.test(text)
      ? v.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 })
      : text;
  }
  if (Array.isArray(v)) return v.map((x) => hubspotValue(x)).join(';');
  return JSON.stringify(v);
}

/**
 * The key two inputs of one request must not share (HubSpot: "Duplicate IDs found in batch input").
 * Email addresses are compared without case, as HubSpot stores them lower-cased.
 */
export function idKey(idProperty: string, id: string): string {
  return idProperty === 'email' ? id.trim().toLowerCase() : id;
}

export interface EncodedInput {
  input: UpsertInput;
  problem?: string;
}

export function upsertInput(r: OutgoingRecord, idProperty: string): EncodedInput {
  const fields = r.fields ?? {};
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) properties[k] = hubspotValue(v);
  const mapped = Object.prototype.hasOwnProperty.call(fields, idProperty);
  const id = mapped ? hubspotValue(fields[idProperty]).trim() : r.recordId;
  const input: UpsertInput = { id, idProperty, properties, objectWriteTraceId: r.idempotencyKey };
  let problem: string | undefined;
  if (r.op === 'remove') {
    problem = 'HubSpot batch upsert cannot delete: removals cannot be delivered';
  } else if (id === '') {
    problem = `no value for ${idProperty}, the property HubSpot upserts by (this row's ${idProperty} is empty)`;
  }
  return problem === undefined ? { input } : { input, problem };
}
