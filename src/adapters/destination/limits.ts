/** The delivery settings every destination type shares, with their defaults (see the destination schema). */
export interface CommonLimits {
  batchSize: number;
  maxInFlight: number;
  timeoutMs: number;
  maxRetries: number;
}

export function commonLimits(a: Record<string, unknown>, defaultBatchSize: number): CommonLimits {
  const int = (v: unknown, d: number) => (typeof v === 'number' && Number.isInteger(v) ? v : d);
  return {
    batchSize: int(a.batch_size, defaultBatchSize),
    maxInFlight: int(a.max_in_flight, 4),
    timeoutMs: int(a.timeout_ms, 30000),
    maxRetries: int(a.max_retries, 5),
  };
}
