/** A webhook destination's attributes (schema-validated, secrets revealed) as typed settings. */
import { commonLimits } from '../limits';

export interface WebhookSettings {
  url: string;
  headers: Record<string, string>;
  signingSecret?: string;
  batchSize: number;
  maxInFlight: number;
  timeoutMs: number;
  maxRetries: number;
}

export function webhookSettings(a: Record<string, unknown>): WebhookSettings {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((a.headers ?? {}) as Record<string, unknown>)) headers[k] = String(v);
  return {
    url: String(a.url),
    headers,
    signingSecret: typeof a.signing_secret === 'string' ? a.signing_secret : undefined,
    ...commonLimits(a, 100),
  };
}
