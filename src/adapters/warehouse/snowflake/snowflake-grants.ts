/**
 * What Backflow needs from Snowflake, checked against `SHOW GRANTS TO ROLE` (following roles granted to
 * the role, and PUBLIC, when something looks missing), and the exact GRANT statements that fill the gaps:
 *
 *   USAGE on the warehouse, USAGE on the database,
 *   on the managed schema: USAGE and CREATE TABLE (snapshot tables) — or, while it does not exist,
 *   CREATE SCHEMA on the database (or an admin creates it: see setup SQL).
 *
 * OWNERSHIP (and ALL) covers every privilege on its object.
 */
import type { GrantCheck } from '../warehouse';
import { qualified, quoteIdent, splitQualifiedName } from './snowflake-sql';

export interface GrantRow {
  privilege: string;
  grantedOn: string;
  /** Parts of the object's name, unquoted (e.g. ["DB", "SCHEMA"]). */
  name: string[];
}

/** Rows of SHOW GRANTS TO ROLE: created_on, privilege, granted_on, name, granted_to, grantee_name, ... */
export function parseShowGrants(
  columns: readonly { name: string }[],
  rows: readonly unknown[][],
): GrantRow[] {
  const index = (n: string) => columns.findIndex((c) => c.name.toLowerCase() === n);
  const p = index('privilege');
  const on = index('granted_on');
  const name = index('name');
  if (p < 0 || on < 0 || name < 0) throw new Error('internal: unexpected SHOW GRANTS columns');
  return rows.map((row) => ({
    privilege: String(row[p]).toUpperCase(),
    grantedOn: String(row[on]).toUpperCase(),
    name: splitQualifiedName(String(row[name])),
  }));
}

/** Roles granted to the role (their grants are inherited). */
export function inheritedRoles(grants: readonly GrantRow[]): string[] {
  return grants.filter((g) => g.grantedOn === 'ROLE' && g.privilege === 'USAGE').map((g) => g.name[0]);
}

export interface Needs {
  role: string;
  warehouse: string;
  database: string;
  schema: string;
}

function has(grants: readonly GrantRow[], on: string, name: string[], privilege: string): boolean {
  return grants.some(
    (g) =>
      g.grantedOn === on &&
      g.name.length === name.length &&
      g.name.every((part, i) => part === name[i]) &&
      (g.privilege === privilege || g.privilege === 'OWNERSHIP' || g.privilege === 'ALL'),
  );
}

/** Whether any grant in `grants` is on the managed schema: the role can see it, so it exists. */
export function seesSchema(grants: readonly GrantRow[], needs: Needs): boolean {
  return grants.some(
    (g) => g.grantedOn === 'SCHEMA' && g.name[0] === needs.database && g.name[1] === needs.schema,
  );
}

export function missingGrants(grants: readonly GrantRow[], needs: Needs): GrantCheck {
  const role = quoteIdent(needs.role);
  const database = quoteIdent(needs.database);
  const schema = qualified(needs.database, needs.schema);
  const missing: string[] = [];
  if (!has(grants, 'WAREHOUSE', [needs.warehouse], 'USAGE')) {
    missing.push(`GRANT USAGE ON WAREHOUSE ${quoteIdent(needs.warehouse)} TO ROLE ${role};`);
  }
  if (!has(grants, 'DATABASE', [needs.database], 'USAGE')) {
    missing.push(`GRANT USAGE ON DATABASE ${database} TO ROLE ${role};`);
  }
  const exists = seesSchema(grants, needs);
  if (!exists) {
    if (!has(grants, 'DATABASE', [needs.database], 'CREATE SCHEMA')) {
      missing.push(`CREATE SCHEMA IF NOT EXISTS ${schema};`);
      missing.push(`GRANT USAGE, CREATE TABLE ON SCHEMA ${schema} TO ROLE ${role};`);
    }
  } else {
    const privileges = ['USAGE', 'CREATE TABLE'].filter(
      (p) => !has(grants, 'SCHEMA', [needs.database, needs.schema], p),
    );
    if (privileges.length > 0)
      missing.push(`GRANT ${privileges.join(', ')} ON SCHEMA ${schema} TO ROLE ${role};`);
  }
  return { schema_exists: exists, missing_grants: missing };
}
