/**
 * What Backflow needs from Redshift, checked in one statement, and the exact statements an admin runs to
 * fill the gaps: on the managed schema USAGE and CREATE (snapshot tables); while it does not exist, CREATE
 * on the database — or, least privilege, an admin creates it for the user. (Redshift has no CONNECT
 * privilege, and Backflow needs no TEMP there: queries are described without temporary objects.)
 */
import type { GrantCheck } from '../warehouse';
import { quoteIdent } from './redshift-sql';

/** `$1` is the managed schema. The CASE keeps has_schema_privilege away from a schema that does not exist. */
export const REDSHIFT_GRANTS_QUERY = `select current_user as role,
       current_database() as database,
       has_database_privilege(current_database(), 'create') as can_create_schema,
       exists (select 1 from pg_namespace where nspname = $1) as schema_exists,
       case when exists (select 1 from pg_namespace where nspname = $1) then has_schema_privilege($1, 'usage') end as schema_usage,
       case when exists (select 1 from pg_namespace where nspname = $1) then has_schema_privilege($1, 'create') end as schema_create`;

export interface RedshiftGrantsRow {
  role: string;
  database: string;
  can_create_schema: boolean;
  schema_exists: boolean;
  schema_usage: boolean | null;
  schema_create: boolean | null;
}

export function missingGrants(row: RedshiftGrantsRow, schema: string): GrantCheck {
  const user = quoteIdent(row.role);
  const missing: string[] = [];
  if (!row.schema_exists) {
    if (!row.can_create_schema)
      missing.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)} AUTHORIZATION ${user};`);
  } else {
    const privileges = [row.schema_usage ? null : 'USAGE', row.schema_create ? null : 'CREATE'].filter(
      (p) => p !== null,
    );
    if (privileges.length > 0)
      missing.push(`GRANT ${privileges.join(', ')} ON SCHEMA ${quoteIdent(schema)} TO ${user};`);
  }
  return { schema_exists: row.schema_exists, missing_grants: missing };
}
