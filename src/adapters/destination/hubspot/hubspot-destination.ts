/**
 * `hubspot`: HubSpot CRM v3 batch upsert, `POST {endpoint}/crm/v3/objects/{object_type}/batch/upsert`
 * with a private app's token (Bearer), at most 100 inputs per request, objects matched by `id_property`.
 * See README.md in this folder for the protocol, limits and mapping.
 *
 * Partial failures come back as 207 with `errors[]`, mapped to records by trace id (per-record
 * rejections, retried next run). Refusals that no record can fix — a wrong token (401), missing scopes
 * (403), an object type HubSpot does not know, an `id_property` that is not unique, the daily request
 * limit — fail the run with HubSpot's message instead of rejecting every row one by one.
 */
import type {
  BatchResult,
  DestinationAdapter,
  DestinationKind,
  DestinationSettings,
  OutgoingRecord,
} from '../destination';
import { DeliveryError } from '../destination';
import { classifyAnswer, excerpt, parseAnswer, postRaw, retryAfterMs, type HttpAnswer } from '../http';
import { rejectedByAnswer } from './hubspot-answer';
import { idKey, upsertInput, type EncodedInput } from './hubspot-input';
import { hubspotSettings, type HubspotSettings } from './hubspot-settings';

/** HubSpot documents no body cap for batch requests; 100 inputs stay far below what proxies accept. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

class HubspotDestination implements DestinationAdapter {
  readonly type = 'hubspot';
  readonly supportsRemovals = false;
  readonly limits;
  private readonly what: string;
  private readonly encoded = new WeakMap<OutgoingRecord, EncodedInput & { bytes: number }>();

  constructor(private readonly s: HubspotSettings) {
    this.limits = {
      batchSize: s.batchSize,
      maxBatchBytes: MAX_BATCH_BYTES,
      maxInFlight: s.maxInFlight,
      timeoutMs: s.timeoutMs,
      maxRetries: s.maxRetries,
    };
    this.what = `HubSpot ${new URL(s.upsertUrl).origin} (${s.objectType})`;
  }

  private encode(r: OutgoingRecord): EncodedInput & { bytes: number } {
    let e = this.encoded.get(r);
    if (e === undefined) {
      const enc = upsertInput(r, this.s.idProperty);
      e = { ...enc, bytes: Buffer.byteLength(JSON.stringify(enc.input)) + 1 };
      this.encoded.set(r, e);
    }
    return e;
  }

  recordBytes(r: OutgoingRecord): number {
    return this.encode(r).bytes;
  }

  recordProblem(r: OutgoingRecord): string | undefined {
    return this.encode(r).problem;
  }

  async send(batch: OutgoingRecord[], signal: AbortSignal): Promise<BatchResult> {
    // HubSpot refuses a whole request in which two inputs name one object: the later ones wait for the
    // next run (they are rejected now, with the reason, and retried then on their own).
    const rejected = new Map<number, string>();
    const first = new Map<string, OutgoingRecord>();
    const sending: OutgoingRecord[] = [];
    for (const r of batch) {
      const { input } = this.encode(r);
      const key = idKey(input.idProperty, input.id);
      const earlier = first.get(key);
      if (earlier !== undefined) {
        rejected.set(
          r.seq,
          `row ${earlier.recordId} in the same request has ${input.idProperty} ${JSON.stringify(input.id)} too: HubSpot refuses two inputs for one object in a batch (retried on the next run)`,
        );
        continue;
      }
      first.set(key, r);
      sending.push(r);
    }
    const inputs = sending.map((r) => this.encode(r).input);
    const answer = await postRaw(
      this.s.upsertUrl,
      JSON.stringify({ inputs }),
      { authorization: `Bearer ${this.s.token}` },
      this.limits.timeoutMs,
      signal,
      this.what,
    );
    if (answer.status === 429) throw this.rateLimited(answer);
    if (answer.status === 400) this.refuseConfigErrors(answer);
    classifyAnswer(answer, this.what);
    const body = parseAnswer(answer, this.what);
    for (const [seq, why] of rejectedByAnswer(body, sending, inputs, this.what)) rejected.set(seq, why);
    return { rejected };
  }

  /**
   * HubSpot's 429 carries no Retry-After; its `X-HubSpot-RateLimit-Interval-Milliseconds` is the
   * rolling window (10 s), so waiting that long is enough. The daily limit does not lift for hours:
   * that one fails the run with HubSpot's message rather than waiting.
   */
  private rateLimited(answer: HttpAnswer): DeliveryError {
    let policy = '';
    let message = excerpt(answer.text);
    try {
      const b = JSON.parse(answer.text) as { policyName?: unknown; message?: unknown };
      if (typeof b.policyName === 'string') policy = b.policyName;
      if (typeof b.message === 'string') message = b.message;
    } catch {
      // a 429 without HubSpot's body is still a rate limit
    }
    if (policy === 'DAILY') {
      return new DeliveryError(
        'fatal',
        `${this.what} refused the request: the account's daily API request limit is used up (${message}); the next run after it resets (midnight in the account's time zone) delivers the rest`,
        undefined,
        429,
      );
    }
    const interval = Number(answer.headers.get('x-hubspot-ratelimit-interval-milliseconds'));
    const wait =
      retryAfterMs(answer.headers.get('retry-after')) ??
      (Number.isFinite(interval) && interval > 0 ? interval : undefined);
    return new DeliveryError(
      'rate_limited',
      `${this.what} is rate limiting (HTTP 429${policy ? `, ${policy}` : ''}): ${message}`,
      wait,
      429,
    );
  }

  /** 400s that are about the configuration, not a record: no split batch would ever be accepted. */
  private refuseConfigErrors(answer: HttpAnswer): void {
    let message = '';
    try {
      const b = JSON.parse(answer.text) as { message?: unknown };
      message = typeof b.message === 'string' ? b.message : '';
    } catch {
      return;
    }
    if (/non-unique .*propert/i.test(message)) {
      throw new DeliveryError(
        'fatal',
        `${this.what} cannot upsert by ${this.s.idProperty}: ${message}. Set id_property to a property with unique values ("email" for contacts, or a custom property created with "unique value")`,
        undefined,
        400,
      );
    }
    if (/infer object type|unknown object type|object type .* not (found|exist)/i.test(message)) {
      throw new DeliveryError(
        'fatal',
        `${this.what}: ${message}. Check object_type ("contacts", "companies", "deals", … or a custom object's id such as "2-1234567")`,
        undefined,
        400,
      );
    }
  }
}

export function openHubspot(settings: DestinationSettings): DestinationAdapter {
  return new HubspotDestination(hubspotSettings(settings.attributes));
}

export const hubspotDestination: DestinationKind = {
  type: 'hubspot',
  supportsRemovals: false,
  open: openHubspot,
};
