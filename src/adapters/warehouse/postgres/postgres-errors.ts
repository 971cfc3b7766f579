/**
 * Turns `pg` and server errors into UserErrors a person can act on. Messages name the host, port,
 * database and user, and never the password: every message is scrubbed of it as a last line of defence.
 */
import { UserError } from '../../../errors';
import { quoteIdent } from './postgres-sql';
import type { PostgresSettings } from './postgres-settings';
import { replaceWholeValue } from '../../../secret-text';

interface PgLikeError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

function scrub(text: string | undefined, password: string | undefined): string | undefined {
  if (text === undefined || !password) return text;
  return replaceWholeValue(text, password);
}

function userError(settings: PostgresSettings, message: string, hint?: string): UserError {
  return new UserError(scrub(message, settings.password) as string, scrub(hint, settings.password));
}

/** Errors raised while opening the connection or running `testConnection`. */
export function connectionError(err: unknown, settings: PostgresSettings): Error {
  if (err instanceof UserError) return err;
  const e = (err ?? {}) as PgLikeError;
  const where = `${settings.host}:${settings.port}`;
  const message = e.message ?? String(err);
  const user = JSON.stringify(settings.user);
  const database = JSON.stringify(settings.database);
  switch (e.code) {
    case 'ECONNREFUSED':
      return userError(
        settings,
        `cannot reach Postgres at ${where} (connection refused): check host, port, firewall`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return userError(settings, `cannot reach Postgres at ${where} (host name not found): check host`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return userError(settings, `cannot reach Postgres at ${where} (${e.code}): check host, port, firewall`);
    case 'ECONNRESET':
      return userError(
        settings,
        `Postgres at ${where} closed the connection`,
        'The server may require SSL (set sslmode to "require") or may be restarting.',
      );
    case '28P01':
      return userError(
        settings,
        `password authentication failed for user ${user} on Postgres at ${where}`,
        'Check the password secret referenced by this source, and that the role exists and may log in.',
      );
    case '28000':
      return userError(
        settings,
        `Postgres at ${where} rejected user ${user} for database ${database}: ${message}`,
        'Ask an administrator to allow this client in pg_hba.conf, or set sslmode to "require" if the server accepts only SSL.',
      );
    case '3D000':
      return userError(
        settings,
        `database ${database} does not exist on Postgres at ${where}`,
        'Check the "database" setting.',
      );
    case '53300':
      return userError(settings, `Postgres at ${where} has too many connections: ${message}`);
    case '57P03':
      return userError(settings, `Postgres at ${where} is starting up or shutting down: try again shortly`);
  }
  if (e.code === undefined && /timeout/i.test(message)) {
    const ms = settings.connect_timeout_ms;
    const after = ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
    return userError(
      settings,
      `cannot reach Postgres at ${where} (timed out after ${after}): check host, port, firewall`,
    );
  }
  if (/does not support SSL/i.test(message)) {
    return userError(
      settings,
      `Postgres at ${where} does not accept SSL connections`,
      'Set sslmode to "disable" or "prefer".',
    );
  }
  if (/self[- ]signed|certificate/i.test(message)) {
    return userError(
      settings,
      `the SSL certificate of Postgres at ${where} could not be verified: ${message}`,
      'Set sslmode to "require" to encrypt without verifying, or install the server CA.',
    );
  }
  if (/client password must be a string|password must be a string/i.test(message)) {
    return userError(
      settings,
      `Postgres at ${where} asks user ${user} for a password, but none is configured`,
    );
  }
  return userError(settings, `cannot connect to Postgres at ${where} as ${user}: ${message}`);
}

/** Errors raised by a statement: what failed, in the server's words, with a next step where there is one. */
export function queryError(err: unknown, settings: PostgresSettings, doing: string): Error {
  if (err instanceof UserError) return err;
  const e = (err ?? {}) as PgLikeError;
  if (e.code === undefined || !/^[0-9A-Z]{5}$/.test(e.code)) {
    // Socket-level failures mid-session look like connection failures to the user.
    if ((e.code && /^E[A-Z]+$/.test(e.code)) || /^Connection terminated/i.test(e.message ?? '')) {
      return connectionError(err, settings);
    }
    return err instanceof Error ? err : new Error(String(err));
  }
  // Connection-class failures (the session opens lazily, so any call can be the first) read better as such.
  if (/^(08|28)/.test(e.code) || ['3D000', '53300', '57P03'].includes(e.code))
    return connectionError(err, settings);
  const message = `${doing} failed: ${e.message ?? ''}`;
  if (e.code === '57014') {
    return userError(
      settings,
      `${doing} was cancelled: ${e.message}`,
      'Raise statement_timeout_ms in the source settings if the query is expected to be slow.',
    );
  }
  if (e.code === '42501') {
    return userError(
      settings,
      message,
      e.hint ?? `Run "backflow source setup-sql" for the grants user ${quoteIdent(settings.user)} needs.`,
    );
  }
  return userError(settings, message, e.hint);
}
