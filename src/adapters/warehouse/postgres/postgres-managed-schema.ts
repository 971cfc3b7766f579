/**
 * Creating the managed schema on Postgres and on Redshift (which speaks the same protocol and DDL here).
 */
import { UserError } from '../../../errors';
import type { PostgresDriver } from './postgres-driver';
import { quoteIdent } from './postgres-sql';

export async function ensureManagedSchema(
  driver: PostgresDriver,
  schema: string,
  who: { user: string; database: string },
  /** The dialect's mapping of a driver error to a message, given what was being done. */
  queryError: (err: unknown, doing: string) => Error,
): Promise<void> {
  // Look first: `create schema if not exists` checks CREATE on the database before it checks existence,
  // so it fails for a role an admin gave a ready-made schema (the least-privilege setup).
  let exists: boolean;
  try {
    exists =
      (await driver.query('select 1 from pg_catalog.pg_namespace where nspname = $1', [schema])).rows.length >
      0;
  } catch (err) {
    throw queryError(err, 'checking the managed schema');
  }
  if (exists) return;
  try {
    await driver.query(`create schema if not exists ${quoteIdent(schema)}`);
  } catch (err) {
    if ((err as { code?: string }).code === '42501') {
      throw new UserError(
        `user ${JSON.stringify(who.user)} may not create the managed schema ${JSON.stringify(schema)} in database ${JSON.stringify(who.database)}`,
        `Ask an administrator to run:\n  CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)} AUTHORIZATION ${quoteIdent(who.user)};`,
      );
    }
    throw queryError(err, `creating the managed schema ${quoteIdent(schema)}`);
  }
}
