/**
 * How long to wait before sending a batch again. Network errors, timeouts and 5xx use up a retry budget
 * and back off exponentially (with jitter, so agents do not retry in step); a 429 waits as long as the
 * service asks (`Retry-After`) or backs off, without using up the budget — a destination that rate-limits
 * is slow, not broken — up to a total wait after which the run fails with the service's message.
 * The retry loop itself is p-retry's (deliver.ts); this file is only the policy.
 */
export interface RetryPolicy {
  /** First backoff; doubles per attempt. */
  baseMs: number;
  /** Longest single wait. */
  maxWaitMs: number;
  /** Longest total time one batch may spend waiting on rate limits before the run fails. */
  maxRateLimitedMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseMs: 500,
  maxWaitMs: 60_000,
  maxRateLimitedMs: 15 * 60_000,
};

/** Exponential backoff with full jitter in [half, full]. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const full = Math.min(policy.maxWaitMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(full / 2 + (random() * full) / 2);
}

/** The wait the service asked for, bounded; else backoff. */
export function waitMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(policy.maxWaitMs, Math.max(0, retryAfterMs));
  return backoffMs(policy, attempt);
}
