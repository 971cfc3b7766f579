/** A segment destination's attributes (schema-validated, secrets revealed) as typed settings. */
import { UserError } from '../../../errors';
import { commonLimits } from '../limits';

export type SegmentCall = 'identify' | 'track' | 'group';

/** Segment's regional ingestion hosts (HTTP Tracking API docs, "Regional configuration"). */
export const SEGMENT_REGIONS = {
  us: 'https://api.segment.io',
  eu: 'https://events.eu1.segmentapis.com',
} as const;

export interface SegmentSettings {
  writeKey: string;
  /** `{endpoint}/v1/batch`. */
  batchUrl: string;
  call: SegmentCall;
  /** `track` only. */
  event?: string;
  batchSize: number;
  maxInFlight: number;
  timeoutMs: number;
  maxRetries: number;
}

export function segmentSettings(a: Record<string, unknown>): SegmentSettings {
  const writeKey = typeof a.write_key === 'string' ? a.write_key : '';
  if (writeKey === '') {
    // Segment answers 400 to a request without a key: say so before sending anything.
    throw new UserError(
      'the segment destination has an empty write_key',
      "Set write_key to the Segment source's write key (Connections → Sources → the source → Settings → API Keys).",
    );
  }
  const region = a.region === 'eu' ? 'eu' : 'us';
  const base = typeof a.endpoint === 'string' && a.endpoint !== '' ? a.endpoint : SEGMENT_REGIONS[region];
  const call: SegmentCall = a.event_type === 'track' || a.event_type === 'group' ? a.event_type : 'identify';
  return {
    writeKey,
    batchUrl: `${base.replace(/\/+$/, '')}/v1/batch`,
    call,
    ...(call === 'track' ? { event: String(a.event ?? '') } : {}),
    ...commonLimits(a, 500),
  };
}
