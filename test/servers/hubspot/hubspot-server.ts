/**
 * A protocol-level HubSpot CRM v3 batch upsert for tests, on 127.0.0.1:0:
 * `POST /crm/v3/objects/{objectType}/batch/upsert` (see README.md here for sources and what is left out).
 * Validates inputs against per-object property definitions, upserts by `idProperty`, answers 200 or 207
 * with `errors[]`, rate-limits with HubSpot's headers and 429 body (a window counted in requests, so the
 * limit is reached however slowly the client runs), and logs every input it writes so tests count losses
 * and duplicates.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, readBody } from '../shared/http';

export const MAX_INPUTS = 100;

export type PropertyType = 'string' | 'number' | 'bool' | 'datetime' | 'enumeration';

export interface PropertyDefinition {
  type: PropertyType;
  /** Values must be unique (may be used as idProperty). */
  unique?: boolean;
  options?: string[];
}

export interface HubspotObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface WrittenInput {
  objectType: string;
  objectId: string;
  id: string;
  idProperty: string;
  objectWriteTraceId?: string;
  properties: Record<string, string>;
}

export type HubspotFault =
  | { status: number; retryAfter?: string; body?: string }
  | { malformed: true }
  | { stallMs: number }
  | { dropConnection: true };

export interface HubspotServerOptions {
  /** Accepted private-app tokens. */
  tokens: string[];
  /** Object type → property name → definition. Default: contacts and companies with a few properties. */
  schemas?: Record<string, Record<string, PropertyDefinition>>;
  /**
   * Requests per window (HubSpot: 100 or 190 per 10 s by tier). Default 100. The window is counted in
   * requests: the request after the `maxPerWindow`th is always answered 429, however long the client took
   * to send them (a time-based window let a slow client on a loaded machine never reach the limit).
   */
  maxPerWindow?: number;
  /**
   * How long the limit holds once reached, in ms (announced in `X-HubSpot-RateLimit-Interval-Milliseconds`):
   * every request is answered 429 until this long after the first 429, then a new window opens. Default
   * 10000.
   */
  windowMs?: number;
  /** Requests per day, when set (then a 429 with policy DAILY). */
  dailyLimit?: number;
}

export interface HubspotServer {
  url: string;
  /** Every input written, in order (a re-sent input is logged again: an upsert is idempotent). */
  written: WrittenInput[];
  /** Writes whose objectWriteTraceId had been written before. */
  duplicates: number;
  /** objectWriteTraceId → times written. */
  traceCounts: Map<string, number>;
  /** Objects by type, by HubSpot id. */
  objects: Map<string, Map<string, HubspotObject>>;
  /** Requests received, and answered 429 (`limitsReached` of those opened a closed window). */
  requests: number;
  rateLimited: number;
  limitsReached: number;
  /** Largest number of inputs seen in one request. */
  maxInputs: number;
  faults: HubspotFault[];
  options: HubspotServerOptions;
  /** Resolves once no request is being handled (a stalled one included). */
  idle(): Promise<void>;
  /** The object of `type` whose `property` is `value` (emails compared without case). */
  find(type: string, property: string, value: string): HubspotObject | undefined;
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_SCHEMAS: Record<string, Record<string, PropertyDefinition>> = {
  contacts: {
    email: { type: 'string', unique: true },
    firstname: { type: 'string' },
    lastname: { type: 'string' },
    score: { type: 'number' },
    vip: { type: 'bool' },
    signed_up_at: { type: 'datetime' },
    lifecyclestage: { type: 'enumeration', options: ['subscriber', 'lead', 'customer'] },
    external_id: { type: 'string', unique: true },
  },
  companies: {
    domain: { type: 'string' },
    name: { type: 'string' },
    company_key: { type: 'string', unique: true },
    employees: { type: 'number' },
  },
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Input {
  id?: unknown;
  idProperty?: unknown;
  properties?: unknown;
  objectWriteTraceId?: unknown;
}

interface PropertyProblem {
  isValid: false;
  message: string;
  error: string;
  name: string;
}

function propertyProblems(
  objectType: string,
  schema: Record<string, PropertyDefinition>,
  properties: Record<string, unknown>,
): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  const bad = (name: string, error: string, message: string) =>
    out.push({ isValid: false, message, error, name });
  for (const [name, raw] of Object.entries(properties)) {
    const def = schema[name];
    if (def === undefined) {
      bad(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`);
      continue;
    }
    const value = raw === null ? '' : String(raw);
    if (value === '') continue; // clears the property
    if (objectType === 'contacts' && name === 'email' && !EMAIL.test(value)) {
      bad(name, 'INVALID_EMAIL', `Email address ${value} is invalid`);
    } else if (def.type === 'number' && !/^-?\d+(\.\d+)?$/.test(value)) {
      bad(name, 'INVALID_FLOAT', `${JSON.stringify(value)} is not a valid number`);
    } else if (def.type === 'bool' && value !== 'true' && value !== 'false') {
      bad(name, 'INVALID_BOOLEAN', `${JSON.stringify(value)} is not a valid boolean (true or false)`);
    } else if (def.type === 'datetime' && Number.isNaN(Date.parse(value)) && !/^\d+$/.test(value)) {
      bad(name, 'INVALID_DATE', `${JSON.stringify(value)} is not a valid datetime`);
    } else if (def.type === 'enumeration' && !(def.options ?? []).includes(value)) {
      bad(
        name,
        'INVALID_OPTION',
        `${value} was not one of the allowed options: [${(def.options ?? []).join(', ')}]`,
      );
    }
  }
  return out;
}

export async function startHubspotServer(
  options: HubspotServerOptions = { tokens: ['pat-test'] },
): Promise<HubspotServer> {
  let nextId = 1001;
  let windowCount = 0;
  /** When the current window's limit was reached (its first 429), or undefined while it is open. */
  let limitedSince: number | undefined;
  let dayCount = 0;
  const state: HubspotServer = {
    url: '',
    written: [],
    duplicates: 0,
    traceCounts: new Map(),
    objects: new Map(),
    requests: 0,
    rateLimited: 0,
    limitsReached: 0,
    maxInputs: 0,
    faults: [],
    options,
    idle: () => http.idle(),
    find(type, property, value) {
      const want = property === 'email' ? value.toLowerCase() : value;
      for (const o of state.objects.get(type)?.values() ?? []) {
        const have = o.properties[property];
        if ((property === 'email' ? have?.toLowerCase() : have) === want) return o;
      }
      return undefined;
    },
    reset() {
      state.written.length = 0;
      state.duplicates = 0;
      state.traceCounts.clear();
      state.objects.clear();
      state.requests = 0;
      state.rateLimited = 0;
      state.limitsReached = 0;
      state.maxInputs = 0;
      state.faults.length = 0;
      windowCount = 0;
      limitedSince = undefined;
      dayCount = 0;
    },
    close: () => http.close(),
  };
  const schemas = () => options.schemas ?? DEFAULT_SCHEMAS;
  const maxPerWindow = () => options.maxPerWindow ?? 100;
  const windowMs = () => options.windowMs ?? 10_000;

  const limitHeaders = (): Record<string, string> => ({
    'x-hubspot-ratelimit-interval-milliseconds': String(windowMs()),
    'x-hubspot-ratelimit-max': String(maxPerWindow()),
    'x-hubspot-ratelimit-remaining': String(Math.max(0, maxPerWindow() - windowCount)),
    ...(options.dailyLimit !== undefined
      ? {
          'x-hubspot-ratelimit-daily': String(options.dailyLimit),
          'x-hubspot-ratelimit-daily-remaining': String(Math.max(0, options.dailyLimit - dayCount)),
        }
      : {}),
  });
  const answer = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      'content-type': 'application/json;charset=utf-8',
      ...limitHeaders(),
      ...headers,
    });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const error = (
    res: ServerResponse,
    status: number,
    category: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) => answer(res, status, { status: 'error', message, correlationId: randomUUID(), category, ...extra });

  const objectsOf = (type: string) => {
    let m = state.objects.get(type);
    if (!m) state.objects.set(type, (m = new Map()));
    return m;
  };

  const upsert = (type: string, idProperty: string, id: string, properties: Record<string, string>) => {
    const now = new Date().toISOString();
    let o = state.find(type, idProperty, id);
    const created = o === undefined;
    if (o === undefined) {
      o = { id: String(nextId++), properties: {}, createdAt: now, updatedAt: now };
      objectsOf(type).set(o.id, o);
    }
    o.properties[idProperty] = idProperty === 'email' ? id.toLowerCase() : id;
    for (const [k, v] of Object.entries(properties)) {
      if (v === '') delete o.properties[k];
      else o.properties[k] = k === 'email' ? v.toLowerCase() : v;
    }
    o.updatedAt = now;
    return { o, created };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    state.requests += 1;
    const raw = await readBody(req);
    const m = /^\/crm\/v3\/objects\/([^/]+)\/batch\/upsert$/.exec((req.url ?? '').split('?')[0]);
    if (req.method !== 'POST' || !m) return error(res, 404, 'OBJECT_NOT_FOUND', 'resource not found');
    const fault = state.faults.shift();
    if (fault && 'dropConnection' in fault) {
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      return answer(
        res,
        fault.status,
        fault.body ?? { status: 'error', message: `injected ${fault.status}`, correlationId: randomUUID() },
        fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {},
      );
    }
    if (fault && 'stallMs' in fault) await new Promise((r) => setTimeout(r, fault.stallMs));

    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined || !options.tokens.includes(token)) {
      return error(
        res,
        401,
        'INVALID_AUTHENTICATION',
        'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      );
    }
    // One window per server, as HubSpot counts per app and account. It closes after maxPerWindow
    // requests (not after a time), and reopens windowMs after its first 429: a test reaches the limit
    // whatever the machine's load, and a client that does not wait keeps being refused.
    if (limitedSince !== undefined && Date.now() - limitedSince >= windowMs()) {
      limitedSince = undefined;
      windowCount = 0;
    }
    if (options.dailyLimit !== undefined && dayCount >= options.dailyLimit) {
      state.rateLimited += 1;
      return answer(res, 429, {
        status: 'error',
        message: 'You have reached your daily limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'DAILY',
        groupName: 'publicapi',
      });
    }
    if (windowCount >= maxPerWindow()) {
      state.rateLimited += 1;
      if (limitedSince === undefined) {
        limitedSince = Date.now();
        state.limitsReached += 1;
      }
      return answer(res, 429, {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'TEN_SECONDLY_ROLLING',
        groupName: 'publicapi',
      });
    }
    windowCount += 1;
    dayCount += 1;

    const objectType = decodeURIComponent(m[1]);
    const schema = schemas()[objectType];
    if (schema === undefined) {
      return error(res, 400, 'VALIDATION_ERROR', `Unable to infer object type from: ${objectType}`);
    }
    let body: { inputs?: unknown };
    try {
      body = JSON.parse(raw.toString('utf8')) as { inputs?: unknown };
    } catch {
      return error(res, 400, 'VALIDATION_ERROR', 'Invalid input JSON on line 1');
    }
    if (!Array.isArray(body.inputs) || body.inputs.length === 0) {
      return error(res, 400, 'VALIDATION_ERROR', 'inputs must be a non-empty list');
    }
    const inputs = body.inputs as Input[];
    state.maxInputs = Math.max(state.maxInputs, inputs.length);
    if (inputs.length > MAX_INPUTS) {
      return error(
        res,
        400,
        'VALIDATION_ERROR',
        `Batch input is limited to ${MAX_INPUTS} inputs; got ${inputs.length}`,
      );
    }
    for (const input of inputs) {
      const idProperty = String(input.idProperty ?? '');
      const def = schema[idProperty];
      if (def === undefined || def.unique !== true) {
        return error(
          res,
          400,
          'VALIDATION_ERROR',
          `Unable to perform update/upsert by non-unique ${objectType} property ${idProperty}`,
        );
      }
    }
    // Two inputs resolving to one object refuse the whole request, trace ids or not.
    const seen = new Set<string>();
    const dupes = new Set<string>();
    for (const input of inputs) {
      const key = input.idProperty === 'email' ? String(input.id).toLowerCase() : String(input.id);
      if (seen.has(key)) dupes.add(String(input.id));
      seen.add(key);
    }
    if (dupes.size > 0) {
      return error(
        res,
        400,
        'VALIDATION_ERROR',
        `Duplicate IDs found in batch input: [${[...dupes].join(', ')}]. IDs must be unique`,
        { context: { ids: [...dupes] } },
      );
    }
    const startedAt = new Date().toISOString();
    const traced = inputs.every(
      (i) => typeof i.objectWriteTraceId === 'string' && i.objectWriteTraceId !== '',
    );
    const problems = inputs.map((i) => {
      const props = { ...((i.properties ?? {}) as Record<string, unknown>) };
      if (objectType === 'contacts' && i.idProperty === 'email') props.email = String(i.id);
      return propertyProblems(objectType, schema, props);
    });
    if (!traced && problems.some((p) => p.length > 0)) {
      // Without trace ids one invalid input refuses the whole request; nothing is written.
      const all = problems.flat();
      return error(res, 400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(all)}`, {
        errors: all.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })),
      });
    }
    const results: Record<string, unknown>[] = [];
    const errors: Record<string, unknown>[] = [];
    inputs.forEach((input, i) => {
      const trace = typeof input.objectWriteTraceId === 'string' ? input.objectWriteTraceId : undefined;
      if (problems[i].length > 0) {
        errors.push({
          status: 'error',
          category: 'VALIDATION_ERROR',
          message: `Property values were not valid: ${JSON.stringify(problems[i])}`,
          context: { objectWriteTraceId: [trace] },
          errors: problems[i].map((p) => ({
            message: p.message,
            code: p.error,
            context: { propertyName: [p.name] },
          })),
        });
        return;
      }
      const props: Record<string, string> = {};
      for (const [k, v] of Object.entries((input.properties ?? {}) as Record<string, unknown>)) {
        props[k] = v === null ? '' : String(v);
      }
      const { o, created } = upsert(objectType, String(input.idProperty), String(input.id), props);
      state.written.push({
        objectType,
        objectId: o.id,
        id: String(input.id),
        idProperty: String(input.idProperty),
        ...(trace !== undefined ? { objectWriteTraceId: trace } : {}),
        properties: props,
      });
      if (trace !== undefined) {
        const n = state.traceCounts.get(trace) ?? 0;
        if (n > 0) state.duplicates += 1;
        state.traceCounts.set(trace, n + 1);
      }
      results.push({
        id: o.id,
        properties: { ...o.properties, hs_object_id: o.id },
        createdAt: o.createdAt,
        updatedAt: o.updatedAt,
        archived: false,
        new: created,
        ...(trace !== undefined ? { objectWriteTraceId: trace } : {}),
      });
    });
    const completedAt = new Date().toISOString();
    if (fault && 'malformed' in fault) return answer(res, 200, '{"status":"COMPLETE","results":[{"id"');
    if (errors.length === 0) {
      return answer(res, 200, { status: 'COMPLETE', results, startedAt, completedAt });
    }
    return answer(res, 207, {
      status: 'COMPLETE',
      results,
      numErrors: errors.length,
      errors,
      startedAt,
      completedAt,
    });
  };

  const http = await listenLoopback(handle);
  state.url = http.url;
  return state;
}
