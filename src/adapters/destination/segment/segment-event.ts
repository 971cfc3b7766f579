/**
 * One record as one Segment call. The destination fields `userId`, `anonymousId` and (for `group`)
 * `groupId` are the call's identities; every other mapped field is a trait (`identify`, `group`) or a
 * property (`track`), under its destination field name, null values included (a null trait clears it in
 * most Segment destinations). `messageId` is the record's idempotency key: Segment de-duplicates on it,
 * so a batch re-sent after a timeout or a crash does not produce a second event.
 */
import type { OutgoingRecord } from '../destination';
import type { SegmentCall } from './segment-settings';

/** Destination fields that are identities, not traits or properties. */
export const IDENTITY_FIELDS = ['userId', 'anonymousId', 'groupId'] as const;

/** HTTP Tracking API: at most 32 KB per event (analytics-node counts KB as 1024 bytes). */
export const MAX_EVENT_BYTES = 32 * 1024;

export interface SegmentCallSettings {
  call: SegmentCall;
  /** `track`: the event name. */
  event?: string;
}

type Identity = { value?: string; problem?: string };

/** Segment identities are strings; a number is sent as its decimal text, null or '' counts as absent. */
function identity(fields: Record<string, unknown>, name: string): Identity {
  const v = fields[name];
  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'string') return { value: v };
  if (typeof v === 'number' && Number.isFinite(v)) return { value: String(v) };
  if (typeof v === 'bigint') return { value: v.toString() };
  return { problem: `${name} must be a string or a number, got ${Array.isArray(v) ? 'a list' : typeof v}` };
}

export interface EncodedEvent {
  /** The event object as sent. */
  event: Record<string, unknown>;
  /** Why the record can never be delivered to Segment; undefined when it can be sent. */
  problem?: string;
}

export function segmentEvent(r: OutgoingRecord, s: SegmentCallSettings): EncodedEvent {
  const fields = r.fields ?? {};
  const bag: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!(IDENTITY_FIELDS as readonly string[]).includes(k)) bag[k] = v;
  }
  const user = identity(fields, 'userId');
  const anonymous = identity(fields, 'anonymousId');
  const group = identity(fields, 'groupId');
  const event: Record<string, unknown> = { type: s.call, messageId: r.idempotencyKey };
  if (user.value !== undefined) event.userId = user.value;
  if (anonymous.value !== undefined) event.anonymousId = anonymous.value;
  if (s.call === 'track') {
    event.event = s.event;
    event.properties = bag;
  } else {
    if (s.call === 'group' && group.value !== undefined) event.groupId = group.value;
    event.traits = bag;
  }
  const problem =
    r.op === 'remove'
      ? "Segment's Tracking API has no delete call: removals cannot be delivered"
      : (user.problem ??
        anonymous.problem ??
        (s.call === 'group' ? group.problem : undefined) ??
        (user.value === undefined && anonymous.value === undefined
          ? 'no userId or anonymousId: Segment drops events without one (map a model column to userId or anonymousId; this row has none)'
          : undefined) ??
        (s.call === 'group' && group.value === undefined
          ? 'no groupId: a Segment group call needs one (map a model column to groupId; this row has none)'
          : undefined));
  return problem === undefined ? { event } : { event, problem };
}
