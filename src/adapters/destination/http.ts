/**
 * One HTTP request of a destination, with the service's answer classified for the runner's retry policy
 * (see `DeliveryError`). Uses Node's own fetch (undici): no redirects are followed, so credentials are
 * never re-sent to another host.
 */
import { DeliveryError } from './destination';
import { retryAfterMs } from '../retry-after';

export { retryAfterMs };

export interface HttpAnswer {
  status: number;
  /** The body as text (already read). */
  text: string;
  headers: Headers;
}

/** First characters of a service's answer for messages, on one line. */
export function excerpt(text: string, max = 300): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max)}…` : one;
}

/**
 * POSTs `body` and resolves with whatever the service answered, any status; throws `DeliveryError`
 * (`retryable`) only when there is no answer: network errors, timeouts, a body cut off. For destinations
 * that read a refusal's headers or body before classifying it (`classifyAnswer` does the rest).
 */
export async function postRaw(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
  what: string,
): Promise<HttpAnswer> {
  const timeout = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (err) {
    if (signal.aborted) throw new DeliveryError('fatal', `${what}: delivery was cancelled`);
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    const why = timeout.aborted
      ? `no answer within ${timeoutMs} ms`
      : (e.cause?.code ?? e.cause?.message ?? String(err));
    throw new DeliveryError('retryable', `${what} is unreachable: ${why}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new DeliveryError('retryable', `${what}: the answer was cut off (${String(err)})`);
  }
  return { status: res.status, text, headers: res.headers };
}

/**
 * POSTs `body`. Resolves with 2xx answers (and 207); throws `DeliveryError` for everything else:
 * network errors, timeouts and 5xx are `retryable`, 429 `rate_limited`, 400/413/422 `invalid`,
 * 401/403/404 and other 4xx `fatal`. `what` names the destination in messages (never a secret).
 */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
  what: string,
): Promise<HttpAnswer> {
  return classifyAnswer(await postRaw(url, body, headers, timeoutMs, signal, what), what);
}

/** Returns 2xx (and 207) answers; throws the `DeliveryError` any other status stands for (see postJson). */
export function classifyAnswer(answer: HttpAnswer, what: string): HttpAnswer {
  const res = answer;
  const text = answer.text;
  if ((res.status >= 200 && res.status < 300) || res.status === 207) return answer;
  const said = excerpt(text);
  const suffix = said ? `: ${said}` : '';
  const wait = retryAfterMs(res.headers.get('retry-after'));
  if (res.status === 429) {
    throw new DeliveryError('rate_limited', `${what} is rate limiting (HTTP 429)${suffix}`, wait, 429);
  }
  if (res.status >= 500 || res.status === 408) {
    throw new DeliveryError('retryable', `${what} failed (HTTP ${res.status})${suffix}`, wait, res.status);
  }
  if (res.status === 400 || res.status === 413 || res.status === 422) {
    throw new DeliveryError(
      'invalid',
      `${what} refused the request (HTTP ${res.status})${suffix}`,
      undefined,
      res.status,
    );
  }
  if (res.status === 401 || res.status === 403) {
    throw new DeliveryError(
      'fatal',
      `${what} refused the credentials (HTTP ${res.status})${suffix}`,
      undefined,
      res.status,
    );
  }
  if (res.status >= 300 && res.status < 400) {
    throw new DeliveryError(
      'fatal',
      `${what} answered with a redirect (HTTP ${res.status}) to ${res.headers.get('location') ?? '?'}: redirects are not followed, so credentials never reach another host; configure the final URL`,
      undefined,
      res.status,
    );
  }
  throw new DeliveryError(
    'fatal',
    `${what} refused the request (HTTP ${res.status})${suffix}`,
    undefined,
    res.status,
  );
}

/** Parses a JSON answer, or says it is malformed (a retryable failure: the service may recover). */
export function parseAnswer(answer: HttpAnswer, what: string): unknown {
  if (answer.text.trim() === '') return undefined;
  try {
    return JSON.parse(answer.text);
  } catch {
    throw new DeliveryError(
      'retryable',
      `${what} answered HTTP ${answer.status} with a body that is not JSON: ${excerpt(answer.text, 120)}`,
    );
  }
}
