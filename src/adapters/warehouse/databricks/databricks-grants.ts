/**
 * What Backflow needs in Unity Catalog, read in one statement from the catalog's information_schema
 * (privileges of the current user and of the groups it belongs to, and ownership), and the exact GRANT
 * statements that fill the gaps: USE CATALOG; on the managed schema USE SCHEMA and CREATE TABLE (granted
 * on the schema or inherited from the catalog) — or, while it does not exist, CREATE SCHEMA on the catalog.
 * ALL PRIVILEGES and ownership cover everything below them.
 */
import type { GrantCheck } from '../warehouse';
import { qualified, quoteIdent, quoteLiteral } from './databricks-sql';

export function grantsQuery(catalog: string, schema: string): string {
  const cat = quoteIdent(catalog);
  const c = quoteLiteral(catalog);
  const s = quoteLiteral(schema);
  const mine = (column: string) => `(${column} = current_user() or is_account_group_member(${column}))`;
  return `select 'user' as kind, current_user() as value
union all select 'catalog_owner', 'yes' from ${cat}.information_schema.catalogs where catalog_name = ${c} and ${mine('catalog_owner')}
union all select 'catalog', privilege_type from ${cat}.information_schema.catalog_privileges where catalog_name = ${c} and ${mine('grantee')}
union all select 'schema', privilege_type from ${cat}.information_schema.schema_privileges where catalog_name = ${c} and schema_name = ${s} and ${mine('grantee')}
union all select 'schema_exists', 'yes' from ${cat}.information_schema.schemata where schema_name = ${s}
union all select 'schema_owner', 'yes' from ${cat}.information_schema.schemata where schema_name = ${s} and ${mine('schema_owner')}`;
}

export interface GrantsRow {
  kind: string;
  value: string | null;
}

export function missingGrants(
  rows: readonly GrantsRow[],
  catalog: string,
  schema: string,
): GrantCheck & { user: string } {
  const of = (kind: string) =>
    rows.filter((r) => r.kind === kind).map((r) => String(r.value ?? '').toUpperCase());
  const user = String(rows.find((r) => r.kind === 'user')?.value ?? '<principal>');
  const catalogOwner = of('catalog_owner').length > 0;
  const onCatalog = new Set(of('catalog'));
  const onSchema = new Set(of('schema'));
  const exists = of('schema_exists').length > 0;
  const schemaOwner = of('schema_owner').length > 0;
  const catalogHas = (p: string) => catalogOwner || onCatalog.has(p) || onCatalog.has('ALL PRIVILEGES');
  const schemaHas = (p: string) =>
    schemaOwner || onSchema.has(p) || onSchema.has('ALL PRIVILEGES') || catalogHas(p);
  const principal = quoteIdent(user);
  const missing: string[] = [];
  if (!catalogHas('USE CATALOG'))
    missing.push(`GRANT USE CATALOG ON CATALOG ${quoteIdent(catalog)} TO ${principal};`);
  if (exists) {
    const privileges = ['USE SCHEMA', 'CREATE TABLE'].filter((p) => !schemaHas(p));
    if (privileges.length > 0) {
      missing.push(`GRANT ${privileges.join(', ')} ON SCHEMA ${qualified(catalog, schema)} TO ${principal};`);
    }
  } else if (!catalogHas('CREATE SCHEMA')) {
    missing.push(`GRANT CREATE SCHEMA ON CATALOG ${quoteIdent(catalog)} TO ${principal};`);
  }
  return { schema_exists: exists, missing_grants: missing, user };
}
