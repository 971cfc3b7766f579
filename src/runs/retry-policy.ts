/**
 * How long to wait before sending a batch again. Network errors, timeouts and 5xx use up a retry budget
 * and back off exponentially (with jitter, so agents do not retry in step); a 429 waits as long as the
 * service asks (`Retry-After`) or backs off, without using up the budget — a destination that rate-limits
 * is slow, not broken — up to a total wait after which the run fails with the service's message.
 * The retry loop itself is p-retry's (deliver.ts); this file is only the policy.
 */
import { backoffWithJitterMs } from '../adapters/retry-after';

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
  return backoffWithJitterMs(policy.baseMs, policy.maxWaitMs, attempt, random);
}

/** The wait the service asked for, bounded; else backoff. */
export function waitMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(policy.maxWaitMs, Math.max(0, retryAfterMs));
  return backoffMs(policy, attempt);
}
