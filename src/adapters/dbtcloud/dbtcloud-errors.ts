/**
 * dbt Cloud failures as UserErrors a person can act on: a rejected key, a key without permission, an
 * unknown account or job, an unreachable host, a malformed access_url, a bad manifest. Messages name the
 * host and account, never the key: every message and hint is scrubbed of it as a last line of defence.
 */
import { UserError } from '../../errors';
import { replaceWholeValue } from '../../secret-text';

export type DbtCloudErrorKind =
  | 'config'
  | 'unauthorized'
  | 'forbidden'
  | 'webhook_forbidden'
  | 'webhook_invalid'
  | 'unknown_account'
  | 'unknown_job'
  | 'no_successful_run'
  | 'unreachable'
  | 'timeout'
  | 'unavailable'
  | 'bad_response'
  | 'http'
  | 'manifest';

export class DbtCloudError extends UserError {
  readonly kind: DbtCloudErrorKind;
  /** HTTP status, when the API answered. */
  readonly status?: number;
  /** For `config` errors: the attribute at fault (`access_url`). */
  readonly field?: string;
  constructor(
    kind: DbtCloudErrorKind,
    message: string,
    hint?: string,
    extra: { status?: number; field?: string } = {},
  ) {
    super(message, hint);
    this.name = 'DbtCloudError';
    this.kind = kind;
    this.status = extra.status;
    this.field = extra.field;
  }
}

/** Replaces every occurrence of `secret` (the API key) with `***`. */
export function scrub(text: string, secret: string | undefined): string;
export function scrub(text: string | undefined, secret: string | undefined): string | undefined;
export function scrub(text: string | undefined, secret: string | undefined): string | undefined {
  if (text === undefined || !secret) return text;
  return replaceWholeValue(text, secret);
}

/** The same error with the key scrubbed from its message and hint. */
export function scrubbed(err: DbtCloudError, secret: string): DbtCloudError {
  return new DbtCloudError(err.kind, scrub(err.message, secret), scrub(err.hint, secret), {
    status: err.status,
    field: err.field,
  });
}

const PERMISSION_HINT =
  'Backflow reads the account, its projects, jobs, runs and run artifacts. In dbt Cloud, Account settings → ' +
  'Service tokens: give the token Job Viewer (or Account Viewer) on this account, or use a key whose user has it.';

/** An HTTP error status turned into the error a person needs. `what` names the request's object. */
export function httpError(
  status: number,
  ctx: { host: string; accountId: number; url: string; userMessage?: string },
): DbtCloudError {
  const said = ctx.userMessage ? ` dbt Cloud said: ${ctx.userMessage}` : '';
  switch (status) {
    case 401:
      return new DbtCloudError(
        'unauthorized',
        `the API key was rejected by dbt Cloud at ${ctx.host} (HTTP 401)`,
        'Check that the secret api_key references holds a current service token or personal access token ' +
          'for this account (tokens can be revoked, and personal tokens expire).',
        { status },
      );
    case 403:
      return new DbtCloudError(
        'forbidden',
        `the API key lacks permission for account ${ctx.accountId} at ${ctx.host} (HTTP 403): it needs at least Job Viewer (or Account Viewer)`,
        PERMISSION_HINT + said,
        { status },
      );
    default:
      return new DbtCloudError(
        'http',
        `dbt Cloud answered HTTP ${status} for GET ${ctx.url}.${said}`,
        undefined,
        { status },
      );
  }
}

export function unknownAccountError(host: string, accountId: number): DbtCloudError {
  return new DbtCloudError(
    'unknown_account',
    `dbt Cloud account ${accountId} does not exist at ${host} (HTTP 404)`,
    'Check account_id (the number after /accounts/ in dbt Cloud URLs) and access_url: accounts in other ' +
      'regions or cells live on their own host, e.g. https://ab123.us1.dbt.com or https://emea.dbt.com.',
    { status: 404 },
  );
}

/** Network failure codes worth retrying: the next attempt may well work. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The code of a failed `fetch` (Node puts the socket error in `cause`). */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e !== null && typeof e === 'object'; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isTransientNetworkError(err: unknown): boolean {
  const code = networkCode(err);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

export function unreachableError(baseUrl: string, err: unknown): DbtCloudError {
  const code = networkCode(err);
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND'
        ? 'host name not found'
        : code === 'CERT_HAS_EXPIRED' || code?.startsWith('ERR_TLS') || code?.includes('CERT')
          ? `TLS certificate problem: ${code}`
          : (code ?? (err instanceof Error ? err.message : String(err)));
  return new DbtCloudError(
    'unreachable',
    `cannot reach dbt Cloud at ${baseUrl} (${why})`,
    'Check access_url (or subdomain): it is the host your account is served from, as shown in dbt Cloud ' +
      'under Account settings → Access URLs, e.g. https://cloud.getdbt.com or https://ab123.us1.dbt.com.',
  );
}
