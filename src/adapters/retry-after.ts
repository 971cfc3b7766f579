/**
 * How long to wait before trying again, shared by everything that retries (destinations and the run loop,
 * dbt Cloud): what the service asked for (`Retry-After`), else exponential backoff with jitter. The retry
 * loops themselves are p-retry's.
 */

/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds to wait: delta-seconds or an HTTP date; undefined when
 * absent or unreadable.
 */
export function retryAfterMs(
  header: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Exponential backoff with jitter in [half, full]: `baseMs` doubled per retry (`retry` 0 is the first),
 * at most `maxMs`. The jitter keeps clients that failed together from retrying in step.
 */
export function backoffWithJitterMs(
  baseMs: number,
  maxMs: number,
  retry: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(maxMs, baseMs * 2 ** Math.min(retry, 30));
  return Math.round(full / 2 + (random() * full) / 2);
}
