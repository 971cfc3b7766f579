/**
 * The least-privilege setup for a Databricks source (`backflow source setup-sql NAME`): a service
 * principal that may use the SQL warehouse, and Unity Catalog grants on the catalog, the schemas the models
 * read and the managed schema, with the catalog and schema names filled in.
 */
import { UserError } from '../../../errors';
import type { WarehouseSettings } from '../warehouse';
import { qualified, quoteIdent, ucName } from './databricks-sql';

export interface DatabricksNames {
  host: string;
  httpPath?: string;
  catalog: string;
}

export function readDatabricksNames(settings: WarehouseSettings): DatabricksNames {
  const host = typeof settings.host === 'string' && settings.host ? settings.host : undefined;
  if (!host) throw new UserError('databricks settings: "host" is required and must be a non-empty string');
  return {
    host,
    httpPath: typeof settings.http_path === 'string' ? settings.http_path : undefined,
    catalog: typeof settings.catalog === 'string' && settings.catalog ? settings.catalog : 'main',
  };
}

export function databricksSetupSql(names: DatabricksNames, managedSchema: string): string {
  const catalog = ucName(names.catalog);
  const schema = ucName(managedSchema);
  const principal = quoteIdent('<application-id of the backflow service principal>');
  return [
    `-- Backflow least-privilege setup for Databricks workspace ${names.host}, Unity Catalog catalog ${quoteIdent(catalog)}.`,
    '-- 1. In the workspace (Settings » Identity and access » Service principals): add a service principal',
    '--    "backflow", create a token for it (the "token" secret), and give it "Can use" on the SQL warehouse',
    `--    ${names.httpPath ?? '<http_path>'}. Replace the principal below with its application ID.`,
    '-- 2. Run as a metastore admin or the catalog owner:',
    `GRANT USE CATALOG ON CATALOG ${quoteIdent(catalog)} TO ${principal};`,
    '',
    '-- 3. Read what the models read (one line per schema; "analytics" is an example):',
    `GRANT USE SCHEMA, SELECT ON SCHEMA ${qualified(catalog, 'analytics')} TO ${principal};`,
    '',
    '-- 4. The schema Backflow owns for change tracking (one snapshot table per model):',
    `CREATE SCHEMA IF NOT EXISTS ${qualified(catalog, schema)};`,
    `GRANT USE SCHEMA, CREATE TABLE, SELECT, MODIFY ON SCHEMA ${qualified(catalog, schema)} TO ${principal};`,
    `-- (Or let Backflow create it: GRANT CREATE SCHEMA ON CATALOG ${quoteIdent(catalog)} TO ${principal};)`,
    '',
  ].join('\n');
}
