/**
 * BigQuery API and network errors turned into UserErrors that say what to check: the service account, the
 * project, the IAM role to grant (with the gcloud command), the endpoint. Scrubbed of the key.
 */
import { UserError } from '../../../errors';
import { formatMs, scrubber, scrubbedError } from '../secret-scrub';
import type { BigQuerySettings } from './bigquery-settings';

interface ApiLikeError {
  code?: number | string;
  message?: string;
  errors?: { reason?: string; message?: string }[];
  cause?: { code?: string };
}

const NETWORK = /(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH|ETIMEDOUT)/;

function host(settings: BigQuerySettings): string {
  try {
    return new URL(settings.api_endpoint ?? 'https://bigquery.googleapis.com').host;
  } catch {
    return String(settings.api_endpoint);
  }
}

function principal(settings: BigQuerySettings): string {
  return settings.principal ?? 'the Application Default Credentials principal';
}

/** The gcloud command granting a project-level role to the service account. */
export function projectGrant(settings: BigQuerySettings, role: string): string {
  return `gcloud projects add-iam-policy-binding ${settings.project_id} --member=serviceAccount:${settings.principal ?? '<service-account-email>'} --role=${role}`;
}

export function bigQueryError(err: unknown, settings: BigQuerySettings, doing: string): Error {
  if (err instanceof UserError) return err;
  const scrub = scrubber(settings.secrets);
  const u = (m: string, h?: string) => scrubbedError(scrub, m, h);
  const e = (err ?? {}) as ApiLikeError;
  const message = (e.message ?? String(err)).trim();
  const reason = e.errors?.[0]?.reason ?? '';
  const code = e.code;
  const project = JSON.stringify(settings.project_id);

  // BACKFLOW_TIMEOUT: the driver's deadline passed (it cancelled the job); reason "timeout": BigQuery
  // stopped the job at its jobTimeoutMs first.
  if (code === 'BACKFLOW_TIMEOUT' || reason === 'timeout' || /did not complete before/i.test(message)) {
    return u(
      `${doing} timed out after ${formatMs(settings.statement_timeout_ms)} on BigQuery`,
      'Raise "statement_timeout_ms" in the source settings if the query is expected to be slow; check "api_endpoint", proxy and firewall if nothing answers.',
    );
  }
  const net =
    e.cause?.code ?? (typeof code === 'string' && NETWORK.test(code) ? code : NETWORK.exec(message)?.[1]);
  if (net) {
    return u(
      `cannot reach BigQuery at ${host(settings)} (${net === 'ECONNREFUSED' ? 'connection refused' : net === 'ENOTFOUND' ? 'host not found' : net})`,
      'Check "api_endpoint" (leave it out for https://bigquery.googleapis.com), and that this machine may open HTTPS connections to Google APIs (proxy, firewall, VPC Service Controls).',
    );
  }
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(message)) {
    return u(
      'no Google credentials found for BigQuery',
      'Set "credentials": { "file": "backflow-key.json" } (a service-account key), or configure Application Default Credentials.',
    );
  }
  if (code === 401) {
    return u(
      `BigQuery rejected the credentials of ${principal(settings)}: ${message}`,
      'Check that the service-account key in "credentials" is current (not deleted or disabled) and belongs to the right project.',
    );
  }
  if (code === 403 && /jobs\.create/i.test(message)) {
    return u(
      `${principal(settings)} may not run queries in project ${project}`,
      `Ask an admin to run:\n  ${projectGrant(settings, 'roles/bigquery.jobUser')}`,
    );
  }
  if (code === 403 && (reason === 'rateLimitExceeded' || reason === 'quotaExceeded')) {
    return u(`${doing} failed: BigQuery quota exceeded: ${message}`, 'Try again later, or raise the quota.');
  }
  if (code === 403) {
    return u(
      `${doing} failed: ${message}`,
      `${principal(settings)} lacks a permission; "backflow source setup-sql" prints the roles Backflow needs.`,
    );
  }
  if (code === 404 && /Project/i.test(message)) {
    return u(
      `BigQuery project ${project} not found or not visible to ${principal(settings)}: ${message}`,
      'Check "project_id".',
    );
  }
  if (code === 400 && /location/i.test(message)) {
    return u(
      `${doing} failed: ${message}`,
      `Check "location" (${JSON.stringify(settings.location)}): it must be the datasets' location.`,
    );
  }
  return u(`${doing} failed: ${message}`);
}

/** BigQuery's own words for a query that does not compile. */
export function describeErrorText(err: unknown, settings: BigQuerySettings): string {
  const e = (err ?? {}) as ApiLikeError;
  return scrubber(settings.secrets)((e.message ?? String(err)).trim());
}

export function isStatus(err: unknown, status: number): boolean {
  return (err as ApiLikeError | undefined)?.code === status;
}
