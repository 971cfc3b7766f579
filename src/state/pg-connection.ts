/**
 * Connections of the pg state backend, and how their failures read. `pg` is loaded on first use, so
 * workspaces on the local backend never load it. Every connection is a plain `pg.Client`, never a pool:
 * the lock is a session-level advisory lock and must live on one session we own.
 *
 * The connection string is a secret: it never appears in a message (see `redact`).
 */
import type { Client, DatabaseError } from 'pg';
import { UserError } from '../errors';
import { replaceWholeValue } from '../secret-text';

type PgModule = typeof import('pg');

/** A client that remembers why it died, so later calls fail with the first cause, not a vague one. */
export interface PgSession {
  client: Client;
  /** Set once the connection failed or was terminated by the server. */
  lost?: Error;
}

/** Where a message says the state lives: host, port and database, never credentials. */
export function serverLabel(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    const db = decodeURIComponent(url.pathname.replace(/^\//, ''));
    return `${url.hostname}${url.port ? `:${url.port}` : ''}${db ? `/${db}` : ''}`;
  } catch {
    return 'the configured server';
  }
}

/**
 * Opens a dedicated session. `purpose` shows in `pg_stat_activity.application_name`, so an admin sees which
 * session holds a workspace's lock. Journal appends must survive a server crash once acknowledged, whatever
 * the server's default, so every session commits synchronously.
 */
export async function openSession(
  connectionString: string,
  purpose: string,
  where: string,
): Promise<PgSession> {
  if (connectionString === '') {
    throw new UserError(
      `The pg state backend (${where}) has no connection string`,
      'Set backend.connection_string to a secret reference, e.g. { "env": "BACKFLOW_STATE_URL" }, and export it.',
    );
  }
  const pg = require('pg') as PgModule;
  const client = new pg.Client({
    connectionString,
    application_name: `backflow ${purpose}`.slice(0, 63),
    keepAlive: true,
    connectionTimeoutMillis: 15000,
  });
  // Only the password inside the connection string, and only to its host: never PGPASSWORD or ~/.pgpass
  // (the driver's fallbacks), which a pull request's connection string naming another host would collect.
  // Set on the client, as pg's parser overwrites a `password` option with the string's own (often none).
  (client as unknown as { password: () => string }).password = () => passwordOf(connectionString);
  const session: PgSession = { client };
  // Without a listener, a connection the server ends (restart, pg_terminate_backend) crashes the process.
  client.on('error', (err) => {
    session.lost ??= err;
  });
  try {
    await client.connect();
    await client.query('set synchronous_commit = on');
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new UserError(
      `Cannot connect to the pg state backend (${where}): ${redact(messageOf(err), connectionString)}`,
      'Check backend.connection_string and that the server accepts connections from this machine.',
    );
  }
  return session;
}

/**
 * The password a connection string carries ('' when none): the URL's user info, or a `password` query
 * parameter, which wins as it does in pg's own parser.
 */
export function passwordOf(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return url.searchParams.get('password') ?? decodeURIComponent(url.password);
  } catch {
    return ''; // a socket path or another form that is not a URL carries no password
  }
}

/** Ends a session, whatever state it is in. */
export async function endSession(session: PgSession | undefined): Promise<void> {
  if (session === undefined) return;
  session.lost ??= new Error('the session was closed');
  await session.client.end().catch(() => undefined);
}

/** A failed query as a user error naming what was being done; privilege and connection loss get a hint. */
export function queryError(err: unknown, doing: string, where: string, connectionString: string): UserError {
  if (err instanceof UserError) return err;
  const e = err as Partial<DatabaseError>;
  const message = `pg state backend (${where}): ${doing} failed: ${redact(messageOf(err), connectionString)}`;
  if (e.code === '42501') {
    return new UserError(
      message,
      'The role in backend.connection_string needs USAGE and CREATE on the schema (CREATE only to create the ' +
        'tables the first time) and SELECT, INSERT, UPDATE, DELETE on its tables. See "pg state backend" in the README.',
    );
  }
  if (e.code === undefined || e.code.startsWith('08') || e.code.startsWith('57P')) {
    return new UserError(
      message,
      'The connection to the state database was lost (server restart, network, or `backflow force-unlock`). ' +
        'What an apply finished before that is journaled: run the command again and it is folded in.',
    );
  }
  return new UserError(message);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Removes the connection string and its password from text that may echo them. */
export function redact(text: string, connectionString: string): string {
  let out = text.split(connectionString).join('(connection string)');
  try {
    const password = decodeURIComponent(new URL(connectionString).password);
    if (password !== '') out = replaceWholeValue(out, password);
  } catch {
    // Not a URL: nothing more to find.
  }
  return out;
}
