/**
 * snowflake-sdk and Snowflake errors turned into UserErrors a person can act on: which account, user, role,
 * warehouse or database, and what to change. Every message is scrubbed of the key, passphrase and password.
 */
import { UserError } from '../../../errors';
import { formatMs, scrubber, scrubbedError, type Scrub } from '../secret-scrub';
import type { SnowflakeSettings } from './snowflake-settings';
import { snowflakeHost } from './snowflake-settings';
import { quoteName } from './snowflake-sql';

interface SdkError {
  code?: string | number;
  message?: string;
  sqlState?: string;
  name?: string;
  cause?: { code?: string; message?: string };
  response?: { status?: number; statusCode?: number };
}

export function snowflakeScrub(settings: SnowflakeSettings): Scrub {
  return scrubber(settings.secrets);
}

function statusOf(e: SdkError): number | undefined {
  return e.response?.status ?? e.response?.statusCode;
}

/** Errors while signing in or checking the session (testConnection). */
export function connectionError(err: unknown, settings: SnowflakeSettings): Error {
  if (err instanceof UserError) return err;
  const scrub = snowflakeScrub(settings);
  const e = (err ?? {}) as SdkError;
  const code = String(e.code ?? '');
  const message = e.message ?? String(err);
  const host = snowflakeHost(settings);
  const user = JSON.stringify(settings.user);
  const account = JSON.stringify(settings.account);
  const u = (m: string, h?: string) => scrubbedError(scrub, m, h);

  if (code === 'BACKFLOW_CONNECT_TIMEOUT' || /timeout of \d+ms exceeded|ETIMEDOUT/i.test(message)) {
    return u(
      `cannot reach Snowflake at ${host} (timed out after ${formatMs(settings.connect_timeout_ms)}): check "account"${settings.access_url ? ' and "access_url"' : ''}, proxy and firewall`,
    );
  }
  const cause =
    e.cause?.code ?? (/(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH)/.exec(message) ?? [])[1];
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') {
    return u(
      `cannot reach Snowflake: host ${host} not found`,
      `Check "account" (the account identifier, e.g. "myorg-myaccount"; see Admin » Accounts in Snowsight)${settings.access_url ? ' and "access_url"' : ''}.`,
    );
  }
  if (cause) {
    return u(
      `cannot reach Snowflake at ${host} (${cause === 'ECONNREFUSED' ? 'connection refused' : cause})`,
      'Check "account"/"access_url", and that this machine may open HTTPS connections to Snowflake (proxy, firewall).',
    );
  }
  if (code === '390100') {
    return u(
      `Snowflake rejected the sign-in of user ${user}: incorrect username or password`,
      'Check the password secret. Password-only sign-in is deprecated: switch to key-pair authentication with "private_key".',
    );
  }
  if (code === '390144' || /JWT token is invalid/i.test(message)) {
    return u(
      `Snowflake rejected the key-pair sign-in of user ${user} on account ${account}`,
      `The public key registered for the user does not match "private_key" (its fingerprint is ${settings.public_key_fingerprint ?? 'unknown'}). ` +
        `Compare with RSA_PUBLIC_KEY_FP in DESC USER ${quoteName(settings.user)}, or register it: ALTER USER ${quoteName(settings.user)} SET RSA_PUBLIC_KEY='<public key>';`,
    );
  }
  if (code === '390422' || /is not allowed to access Snowflake/i.test(message)) {
    const ip = /IP\/Token ([0-9a-f.:]+)/i.exec(message)?.[1];
    return u(
      `Snowflake's network policy refused this client${ip ? ` (IP ${ip})` : ''} for user ${user} on account ${account}`,
      `Ask a Snowflake admin to allow ${ip ?? "this machine's public IP"} (and your CI runners' egress IPs) in the network policy of the account or of user ${quoteName(settings.user)} ` +
        '(SHOW PARAMETERS LIKE \'NETWORK_POLICY\' IN ACCOUNT; then ALTER NETWORK POLICY / network rules), or connect over private link with "access_url".',
    );
  }
  if (code === '390189' || /role .* does not exist or not authorized/i.test(message)) {
    const role = settings.role ? quoteName(settings.role) : '<role>';
    return u(
      `Snowflake refused role ${JSON.stringify(settings.role ?? '(default)')} for user ${user}: it does not exist or is not granted to the user`,
      `Ask an admin to run: GRANT ROLE ${role} TO USER ${quoteName(settings.user)};`,
    );
  }
  if (code === '390201') {
    return u(
      `Snowflake refused the session for user ${user}: ${message}`,
      'Check "warehouse" and "database", and that the role may use them (backflow source setup-sql prints the grants).',
    );
  }
  if (/^3901\d\d$/.test(code) || /user .* (locked|disabled)/i.test(message)) {
    return u(`Snowflake refused the sign-in of user ${user}: ${message}`);
  }
  const status = statusOf(e);
  if (code === '401002' || status !== undefined) {
    return u(
      `Snowflake at ${host} refused the request${status ? ` (HTTP ${status})` : ''}`,
      `Check "account" (${account}: the account identifier, e.g. "myorg-myaccount")${settings.access_url ? ' and "access_url"' : ''}; an unknown account or a blocked IP is refused this way.`,
    );
  }
  return u(`cannot connect to Snowflake account ${account} as user ${user}: ${message}`);
}

/** Errors of a statement: what failed, in Snowflake's words, with the next step where there is one. */
export function queryError(err: unknown, settings: SnowflakeSettings, doing: string): Error {
  if (err instanceof UserError) return err;
  const e = (err ?? {}) as SdkError;
  const code = String(e.code ?? '');
  // Sign-in happens on first use: any call can be the one that meets a connection problem.
  if (
    code === 'BACKFLOW_CONNECT_TIMEOUT' ||
    /^39\d{4}$/.test(code) ||
    code === '401001' ||
    code === '401002' ||
    e.name === 'NetworkError'
  ) {
    return connectionError(err, settings);
  }
  const scrub = snowflakeScrub(settings);
  const message = (e.message ?? String(err)).trim();
  const u = (m: string, h?: string) => scrubbedError(scrub, m, h);
  if (code === '000606' || /No active warehouse selected/i.test(message)) {
    return u(
      `${doing} failed: Snowflake has no usable warehouse for this session (warehouse ${JSON.stringify(settings.warehouse)})`,
      `The warehouse does not exist or the role may not use it. Ask an admin to run: GRANT USAGE ON WAREHOUSE ${quoteName(settings.warehouse)} TO ROLE ${settings.role ? quoteName(settings.role) : '<role>'};`,
    );
  }
  if (code === '000630' || /reached its statement or warehouse timeout/i.test(message)) {
    return u(
      `${doing} was cancelled by Snowflake after ${formatMs(settings.statement_timeout_ms)}: ${message}`,
      'Raise "statement_timeout_ms" in the source settings if the query is expected to be slow.',
    );
  }
  if (code === '003001' || /Insufficient privileges/i.test(message)) {
    return u(`${doing} failed: ${message}`, 'Run "backflow source setup-sql" for the grants Backflow needs.');
  }
  return u(`${doing} failed: ${message}`);
}

/** The warehouse's own words for a describe error (no "doing" prefix), scrubbed. */
export function describeErrorText(err: unknown, settings: SnowflakeSettings): string {
  const e = (err ?? {}) as SdkError;
  return snowflakeScrub(settings)((e.message ?? String(err)).trim());
}
