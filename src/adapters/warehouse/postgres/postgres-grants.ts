/**
 * What Backflow needs from Postgres, as data: the privilege check query and the exact statements an
 * administrator runs to fill the gaps. Kept apart from the adapter so setup SQL and checks agree.
 */
import type { GrantCheck } from '../warehouse';
import { quoteIdent } from './postgres-sql';

/** One round trip; `$1` is the managed schema. Uses OIDs so a missing schema yields nulls, not an error. */
export const GRANTS_QUERY = `select current_user::text as role,
       pg_catalog.current_database()::text as database,
       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CONNECT') as can_connect,
       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'TEMPORARY') as can_temp,
       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') as can_create_schema,
       n.oid is not null as schema_exists,
       pg_catalog.has_schema_privilege(n.oid, 'USAGE') as schema_usage,
       pg_catalog.has_schema_privilege(n.oid, 'CREATE') as schema_create
  from (select 1) as one
  left join pg_catalog.pg_namespace n on n.nspname = $1`;

export interface GrantsRow {
  role: string;
  database: string;
  can_connect: boolean;
  can_temp: boolean;
  can_create_schema: boolean;
  schema_exists: boolean;
  schema_usage: boolean | null;
  schema_create: boolean | null;
}

/**
 * TEMPORARY: introspection describes SQL models through temp views. The managed schema: USAGE and CREATE
 * for snapshot tables; when it does not exist yet and the role may not create it, the least privilege is
 * an admin creating it for the role rather than CREATE on the whole database.
 */
export function missingGrants(row: GrantsRow, schema: string): GrantCheck {
  const role = quoteIdent(row.role);
  const database = quoteIdent(row.database);
  const missing: string[] = [];
  const dbPrivileges = [row.can_connect ? null : 'CONNECT', row.can_temp ? null : 'TEMPORARY'].filter(
    (p) => p !== null,
  );
  if (dbPrivileges.length > 0)
    missing.push(`GRANT ${dbPrivileges.join(', ')} ON DATABASE ${database} TO ${role};`);
  if (!row.schema_exists) {
    if (!row.can_create_schema)
      missing.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)} AUTHORIZATION ${role};`);
  } else {
    const schemaPrivileges = [row.schema_usage ? null : 'USAGE', row.schema_create ? null : 'CREATE'].filter(
      (p) => p !== null,
    );
    if (schemaPrivileges.length > 0) {
      missing.push(`GRANT ${schemaPrivileges.join(', ')} ON SCHEMA ${quoteIdent(schema)} TO ${role};`);
    }
  }
  return { schema_exists: row.schema_exists, missing_grants: missing };
}
