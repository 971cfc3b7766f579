/**
 * Requests to one dbt Cloud host with the platform `fetch`: `Authorization: Token <key>`, a timeout per
 * attempt (AbortController), and retries with exponential backoff on 429 and 5xx (honouring `Retry-After`,
 * in seconds or as an HTTP date) and on transient network errors, within a cap on the total time spent
 * waiting. A POST (it creates something) is retried only on 429, which dbt Cloud answers before doing
 * anything: a 5xx or a lost connection may have created the object already. Every timing is injectable
 * so tests run without real waits.
 */
import {
  DbtCloudError,
  isTransientNetworkError,
  networkCode,
  scrub,
  unreachableError,
} from './dbtcloud-errors';
import pRetry from 'p-retry';
import { backoffWithJitterMs, retryAfterMs } from '../retry-after';

export { retryAfterMs };

/** An attempt p-retry may repeat: a 429 or 5xx answer (`retryAfter` from its header), or a network error. */
class RetryableFailure extends Error {
  constructor(
    readonly reason: string,
    readonly network?: unknown,
    readonly retryAfter?: number,
  ) {
    super(reason);
  }
}

export interface HttpTimings {
  /** Per attempt, headers and body included. Default 30 s. */
  timeoutMs: number;
  /** Attempts per request, the first included. Default 5. */
  maxAttempts: number;
  /** First backoff; doubles each retry (with jitter). Default 500 ms. */
  backoffBaseMs: number;
  /** Largest single backoff (a `Retry-After` may ask for more, within `maxTotalWaitMs`). Default 10 s. */
  backoffMaxMs: number;
  /** Most time one request may spend waiting between attempts. Default 60 s. */
  maxTotalWaitMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** In [0, 1): jitter. */
  random(): number;
}

export const DEFAULT_TIMINGS: HttpTimings = {
  timeoutMs: 30_000,
  maxAttempts: 5,
  backoffBaseMs: 500,
  backoffMaxMs: 10_000,
  maxTotalWaitMs: 60_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
  random: () => Math.random(),
};

export interface HttpOptions extends Partial<HttpTimings> {
  fetch?: typeof fetch;
  /** Debug lines (retries). Never given the key. */
  log?: (line: string) => void;
}

export interface HttpResponse {
  status: number;
  contentType: string;
  text: string;
  /** Full URL requested (no secrets: the key travels in a header only). */
  url: string;
  /** `Location` of a redirect. */
  location?: string;
}

export class DbtCloudHttp {
  private readonly timings: HttpTimings;
  private readonly fetchFn: typeof fetch;
  private readonly log?: (line: string) => void;
  /** Attempts sent, retries included. */
  requests = 0;

  constructor(
    readonly host: string,
    private readonly apiKey: string,
    options: HttpOptions = {},
  ) {
    const { fetch: fetchFn, log, ...timings } = options;
    this.timings = { ...DEFAULT_TIMINGS, ...stripUndefined(timings) };
    this.fetchFn = fetchFn ?? fetch;
    this.log = log;
  }

  /** GET `path` (starting `/api/...`) with query `params`. Resolves with any status that is not retried. */
  get(path: string, params: Record<string, string | number | undefined> = {}): Promise<HttpResponse> {
    return this.request('GET', path, params);
  }

  /** Any method; `body` is sent as JSON. Resolves with any status that is not retried. */
  async request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    params: Record<string, string | number | undefined> = {},
    body?: unknown,
  ): Promise<HttpResponse> {
    const url = new URL(path, this.host);
    const idempotent = method !== 'POST';
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v));
    const t = this.timings;
    let waited = 0;
    // p-retry runs the attempts and counts them; its own timer is kept at zero and the wait is taken in
    // onFailedAttempt, where the service's Retry-After and the injectable clock and sleep are known.
    return pRetry(
      async () => {
        let res: Awaited<ReturnType<DbtCloudHttp['attempt']>>;
        try {
          res = await this.attempt(url, method, body);
        } catch (err) {
          if (err instanceof DbtCloudError) throw new pRetry.AbortError(err);
          if (!idempotent || !isTransientNetworkError(err))
            throw new pRetry.AbortError(this.networkFailure(url, err, method));
          throw new RetryableFailure(networkCode(err) ?? 'network error', err);
        }
        if (res.status !== 429 && (res.status < 500 || !idempotent)) return res;
        throw new RetryableFailure(`HTTP ${res.status}`, undefined, retryAfterMs(res.retryAfter, t.now()));
      },
      {
        retries: Math.max(0, t.maxAttempts - 1),
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        onFailedAttempt: async (error) => {
          const failed = error as RetryableFailure & pRetry.FailedAttemptError;
          const attempt = failed.attemptNumber;
          if (failed.retriesLeft <= 0)
            throw failed.network !== undefined
              ? this.networkFailure(url, failed.network, method)
              : this.gaveUp(url, failed.reason, attempt, waited);
          const delay =
            failed.retryAfter ?? backoffWithJitterMs(t.backoffBaseMs, t.backoffMaxMs, attempt - 1, t.random);
          if (waited + delay > t.maxTotalWaitMs)
            throw this.gaveUp(url, failed.reason, attempt, waited, failed.retryAfter);
          this.log?.(
            `dbt Cloud: ${failed.reason} from ${method} ${url.pathname}; retrying in ${(delay / 1000).toFixed(1)}s (attempt ${attempt + 1} of ${t.maxAttempts})`,
          );
          await t.sleep(delay);
          waited += delay;
        },
      },
    );
  }

  private async attempt(
    url: URL,
    method = 'GET',
    body?: unknown,
  ): Promise<HttpResponse & { retryAfter: string | null }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timings.timeoutMs);
    this.requests++;
    try {
      const res = await this.fetchFn(url, {
        method,
        headers: {
          Authorization: `Token ${this.apiKey}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        // Redirects are reported, not followed: the key must only ever go to the configured host.
        redirect: 'manual',
      });
      const text = await res.text();
      return {
        status: res.status,
        contentType: res.headers.get('content-type') ?? '',
        text,
        url: url.toString(),
        location: res.headers.get('location') ?? undefined,
        retryAfter: res.headers.get('retry-after'),
      };
    } catch (err) {
      if (controller.signal.aborted) {
        // A timeout is transient: retried like a reset connection.
        throw Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private networkFailure(url: URL, err: unknown, method = 'GET'): DbtCloudError {
    if (networkCode(err) === 'ETIMEDOUT') {
      return new DbtCloudError(
        'timeout',
        `dbt Cloud at ${this.host} did not answer ${method} ${url.pathname} within ${seconds(this.timings.timeoutMs)}`,
        'dbt Cloud may be degraded (https://status.getdbt.com), or access_url may point at the wrong host.',
      );
    }
    const e = unreachableError(this.host, err);
    return new DbtCloudError(e.kind, scrub(e.message, this.apiKey), e.hint);
  }

  private gaveUp(
    url: URL,
    reason: string,
    attempts: number,
    waited: number,
    retryAfter?: number,
  ): DbtCloudError {
    const asked =
      retryAfter !== undefined && waited + retryAfter > this.timings.maxTotalWaitMs
        ? `; it asked to retry after ${seconds(retryAfter)}, longer than Backflow waits (${seconds(this.timings.maxTotalWaitMs)} in all)`
        : '';
    const rate = reason === 'HTTP 429';
    return new DbtCloudError(
      'unavailable',
      `dbt Cloud at ${this.host} answered ${reason} to GET ${url.pathname} ${attempts} time${attempts === 1 ? '' : 's'} (waited ${seconds(waited)})${asked}`,
      rate
        ? 'dbt Cloud is rate limiting this account: try again in a minute, or spread out runs that share the key.'
        : 'dbt Cloud may be degraded (https://status.getdbt.com); try again later.',
      { status: Number(reason.replace('HTTP ', '')) || undefined },
    );
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
