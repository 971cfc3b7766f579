/**
 * A ready Databricks test server: catalog main with schemas marts and odd_schema_é, and a principal
 * backflow@example.com (token below) with USE CATALOG on main, and CREATE SCHEMA, USE SCHEMA and SELECT
 * through its group data-engineers.
 */
import type { DatabricksTestServer } from '../servers/databricks/databricks-server';

import './sdk-shims';

export const TOKEN = 'dapi0123456789abcdef-backflow-secret';
export const USER = 'backflow@example.com';
export const ODD_SCHEMA = 'odd_schema_é';

export interface DatabricksWorld {
  server: DatabricksTestServer;
  settings: Record<string, unknown>;
}

export async function startDatabricksWorld(): Promise<DatabricksWorld> {
  // Required here, after the shims (thrift's uuid) are in place.
  const { startDatabricksServer } =
    require('../servers/databricks/databricks-server') as typeof import('../servers/databricks/databricks-server');
  const server = await startDatabricksServer();
  await server.sql(`create schema marts; create schema \`${ODD_SCHEMA}\``);
  server.addToken(TOKEN, USER, ['data-engineers']);
  await server.grant('USE CATALOG', USER, 'main');
  await server.grant('CREATE SCHEMA', 'data-engineers', 'main');
  // Reading the models' tables: USE SCHEMA and SELECT, granted on the catalog (inherited by its schemas).
  await server.grant('USE SCHEMA', 'data-engineers', 'main');
  await server.grant('SELECT', 'data-engineers', 'main');
  return {
    server,
    settings: {
      host: server.host,
      port: server.port,
      http_path: server.httpPath,
      catalog: 'main',
      token: TOKEN,
      ca_cert: server.caCert,
    },
  };
}
