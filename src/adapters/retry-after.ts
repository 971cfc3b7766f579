/**
 * `Retry-After` (RFC 9110 §10.2.3) as milliseconds to wait: delta-seconds or an HTTP date; undefined when
 * absent or unreadable. Shared by every adapter that retries (destinations, dbt Cloud): the retry loops
 * themselves are p-retry's.
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
