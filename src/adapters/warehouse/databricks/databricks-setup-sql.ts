/**
 * The least-privilege setup for a Databricks source (`backflow source setup-sql NAME`): a service
 * principal that may use the SQL warehouse, and Unity Catalog grants on the catalog, the schemas the models
 * read and the managed schema, with the catalog and schema names filled in.
 */
import { UserError } from '../../../errors';
import type { ReadSchema, WarehouseSettings } from '../warehouse';
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

/** `[catalog, schema]` pairs the models read, in Unity Catalog's lower case (unqualified: `default`). */
function readSchemas(catalog: string, reads: readonly ReadSchema[]): [string, string][] {
  const out = new Map<string, [string, string]>();
  for (const r of reads) {
    const pair: [string, string] = [
      r.database ? ucName(r.database.text) : catalog,
      r.schema ? ucName(r.schema.text) : 'default',
    ];
    out.set(JSON.stringify(pair), pair);
  }
  return [...out.values()];
}

export function databricksSetupSql(
  names: DatabricksNames,
  managedSchema: string,
  reads: readonly ReadSchema[] = [],
): string {
  const catalog = ucName(names.catalog);
  const schemas = readSchemas(catalog, reads);
  const otherCatalogs = [...new Set(schemas.map(([c]) => c))].filter((c) => c !== catalog);
  const schema = ucName(managedSchema);
  const principal = quoteIdent('<application-id of the backflow service principal>');
  return [
    `-- Backflow least-privilege setup for Databricks workspace ${names.host}, Unity Catalog catalog ${quoteIdent(catalog)}.`,
    '-- 1. In the workspace (Settings » Identity and access » Service principals): add a service principal',
    '--    "backflow", create a token for it (the "token" secret), and give it "Can use" on the SQL warehouse',
    `--    ${names.httpPath ?? '<http_path>'}. Replace the principal below with its application ID.`,
    '-- 2. Run as a metastore admin or the catalog owner:',
    `GRANT USE CATALOG ON CATALOG ${quoteIdent(catalog)} TO ${principal};`,
    ...otherCatalogs.map((c) => `GRANT USE CATALOG ON CATALOG ${quoteIdent(c)} TO ${principal};`),
    '',
    ...(schemas.length > 0
      ? [
          '-- 3. Read what the models read (the schemas their SQL and dbt relations name):',
          ...schemas.map(
            ([c, sc]) => `GRANT USE SCHEMA, SELECT ON SCHEMA ${qualified(c, sc)} TO ${principal};`,
          ),
        ]
      : [
          '-- 3. Read what the models read (one line per schema; "analytics" is an example):',
          `GRANT USE SCHEMA, SELECT ON SCHEMA ${qualified(catalog, 'analytics')} TO ${principal};`,
        ]),
    '',
    '-- 4. The schema Backflow owns for change tracking (one snapshot table per model):',
    `CREATE SCHEMA IF NOT EXISTS ${qualified(catalog, schema)};`,
    `GRANT USE SCHEMA, CREATE TABLE, SELECT, MODIFY ON SCHEMA ${qualified(catalog, schema)} TO ${principal};`,
    `-- (Or let Backflow create it: GRANT CREATE SCHEMA ON CATALOG ${quoteIdent(catalog)} TO ${principal};)`,
    '',
  ].join('\n');
}
