/**
 * A protocol-level Segment HTTP Tracking API for tests, on 127.0.0.1:0: `POST /v1/batch` as Segment's
 * edge answers it (see README.md here for sources and what is left out). Logs every event it accepts,
 * de-duplicates on (write key, messageId) like Segment, so tests count losses and duplicates.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerJson as answer, listenLoopback, readBody } from '../shared/http';

export const MAX_REQUEST_BYTES = 500 * 1024;
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_EVENTS = 2500;

export interface SegmentEvent {
  type: string;
  messageId?: string;
  userId?: string;
  anonymousId?: string;
  groupId?: string;
  event?: string;
  traits?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * Injected answers, consumed one per request in order before normal service:
 * - `status`: answer it (with `Retry-After` when given) without processing the events;
 * - `malformed`: process the events, then answer 200 with a broken body;
 * - `stallMs`: wait, then (unless `drop`) process and answer normally — a client that gave up meanwhile
 *   re-sends events Segment already has;
 * - `dropConnection`: close the socket without an answer, events not processed.
 */
export type SegmentFault =
  | { status: number; retryAfter?: string; body?: string }
  | { malformed: true }
  | { stallMs: number }
  | { dropConnection: true };

export interface SegmentServerOptions {
  /** Write keys of existing sources; events sent with any other key are answered 200 and dropped. */
  writeKeys: string[];
}

export interface SegmentServer {
  url: string;
  /** Accepted events, in arrival order, first delivery of each messageId only. */
  events: SegmentEvent[];
  /** messageId → event (first delivery). */
  byMessageId: Map<string, SegmentEvent>;
  /** Deliveries of a messageId Segment already had (dropped, as Segment does). */
  duplicates: number;
  /** Events answered 200 but dropped: no identity, track without event, group without groupId. */
  invalid: { event: SegmentEvent; reason: string }[];
  /** Events answered 200 but dropped because the write key names no source. */
  unknownKey: SegmentEvent[];
  /** Requests received (any answer). */
  requests: number;
  /** Sizes of request bodies accepted, in bytes. */
  bodySizes: number[];
  faults: SegmentFault[];
  options: SegmentServerOptions;
  /** Resolves once no request is being handled (a stalled one included). */
  idle(): Promise<void>;
  /** Latest traits/properties per userId (or anonymousId) after every accepted event, in order. */
  profiles(): Map<string, Record<string, unknown>>;
  reset(): void;
  close(): Promise<void>;
}

/** The write key: Basic auth user name, or `writeKey` in the body (both are accepted by Segment). */
function writeKeyOf(req: IncomingMessage, body: unknown): string | undefined {
  const auth = req.headers.authorization ?? '';
  const m = /^Basic\s+(.+)$/i.exec(auth);
  if (m) {
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    if (user !== '') return user;
  }
  const inBody = (body as { writeKey?: unknown } | null)?.writeKey;
  return typeof inBody === 'string' && inBody !== '' ? inBody : undefined;
}

function problemOf(e: SegmentEvent): string | undefined {
  if (typeof e !== 'object' || e === null) return 'not an object';
  if (!e.userId && !e.anonymousId) return 'userId or anonymousId is required';
  if (e.type === 'track' && !e.event) return 'track needs event';
  if (e.type === 'group' && !e.groupId) return 'group needs groupId';
  if (!['identify', 'track', 'group', 'page', 'screen', 'alias'].includes(String(e.type))) {
    return `unknown type ${JSON.stringify(e.type)}`;
  }
  return undefined;
}

export async function startSegmentServer(
  options: SegmentServerOptions = { writeKeys: ['wk_test'] },
): Promise<SegmentServer> {
  const state: SegmentServer = {
    url: '',
    events: [],
    byMessageId: new Map(),
    duplicates: 0,
    invalid: [],
    unknownKey: [],
    requests: 0,
    bodySizes: [],
    faults: [],
    options,
    idle: () => http.idle(),
    profiles() {
      const out = new Map<string, Record<string, unknown>>();
      for (const e of state.events) {
        const who = e.userId ?? e.anonymousId ?? '';
        out.set(who, { ...(out.get(who) ?? {}), ...(e.traits ?? e.properties ?? {}) });
      }
      return out;
    },
    reset() {
      state.events.length = 0;
      state.byMessageId.clear();
      state.duplicates = 0;
      state.invalid.length = 0;
      state.unknownKey.length = 0;
      state.requests = 0;
      state.bodySizes.length = 0;
      state.faults.length = 0;
    },
    close: () => http.close(),
  };

  const badRequest = (res: ServerResponse, message: string) =>
    answer(res, 400, { code: 'invalid_request', message });

  /** Queues every event of an accepted request (Segment's 200 means "queued"). */
  const accept = (key: string, batch: SegmentEvent[]) => {
    for (const e of batch) {
      if (!options.writeKeys.includes(key)) {
        state.unknownKey.push(e);
        continue;
      }
      const problem = problemOf(e);
      if (problem !== undefined) {
        state.invalid.push({ event: e, reason: problem });
        continue;
      }
      const id = `${key}\u0000${String(e.messageId ?? '')}`;
      if (e.messageId !== undefined && state.byMessageId.has(id)) {
        state.duplicates += 1;
        continue;
      }
      state.byMessageId.set(id, e);
      state.events.push(e);
    }
  };

  const http = await listenLoopback(async (req: IncomingMessage, res: ServerResponse) => {
    state.requests += 1;
    const raw = await readBody(req);
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/batch') {
      return answer(res, 404, { code: 'not_found', message: 'Not Found' });
    }
    const fault = state.faults.shift();
    if (fault && 'dropConnection' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      return answer(
        res,
        fault.status,
        fault.body ?? { code: 'injected', message: `injected ${fault.status}` },
        {
          ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
        },
      );
    }
    if (fault && 'stallMs' in fault) await new Promise((r) => setTimeout(r, fault.stallMs));
    if (raw.length > MAX_REQUEST_BYTES) {
      return badRequest(res, `request is ${raw.length} bytes; the batch endpoint accepts at most 500KB`);
    }
    let body: { batch?: unknown };
    try {
      body = JSON.parse(raw.toString('utf8')) as { batch?: unknown };
    } catch {
      return badRequest(res, 'Invalid JSON');
    }
    const key = writeKeyOf(req, body);
    if (key === undefined) return badRequest(res, 'missing write key');
    if (!Array.isArray(body.batch)) return badRequest(res, 'batch must be an array of events');
    if (body.batch.length > MAX_EVENTS) {
      return badRequest(res, `batch has ${body.batch.length} events; at most ${MAX_EVENTS}`);
    }
    for (const e of body.batch as unknown[]) {
      const size = Buffer.byteLength(JSON.stringify(e));
      if (size > MAX_EVENT_BYTES) {
        return badRequest(res, `an event is ${size} bytes; at most 32KB per event`);
      }
    }
    state.bodySizes.push(raw.length);
    accept(key, body.batch as SegmentEvent[]);
    if (fault && 'malformed' in fault) return answer(res, 200, '{"succ');
    return answer(res, 200, { success: true });
  });
  state.url = http.url;
  return state;
}
