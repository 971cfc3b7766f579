/** The shared adapter suite: the real @databricks/sql driver (Thrift over HTTPS) against the test warehouse. */
import { quoteIdent } from '../../../src/adapters/warehouse/databricks/databricks-sql';
import { startDatabricksWorld, ODD_SCHEMA, type DatabricksWorld } from '../../helpers/databricks';
import { adapterSuite } from './adapter-suite';

let world: DatabricksWorld;

adapterSuite('databricks', async () => {
  world = await startDatabricksWorld();
  const { server } = world;
  return {
    warehouse: 'databricks',
    settings: world.settings,
    schema: 'marts',
    // Written with capitals, as a user may: Unity Catalog stores (and the adapter must look for) lower case.
    managedSchema: '__Segment_Reverse_ETL',
    exec: (sql) => server.sql(sql),
    quote: quoteIdent,
    table: (schema, name) => `${quoteIdent(schema)}.${quoteIdent(name)}`,
    types: { bigint: 'BIGINT', text: 'STRING', boolean: 'BOOLEAN' },
    column: (name) => name,
    typeNames: { bigint: 'BIGINT', text: 'STRING' },
    hostile: { schema: ODD_SCHEMA, table: 'täble`quoted`-1;drop', column: 'col`1`-ünï;drop' },
    introspectRoundTrips: 1,
    relationExists: async (schema, name) => {
      const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
      const rows = await server.duck(
        `select count(*) from information_schema.tables where table_catalog = 'uc__main' and table_schema = lower(${lit(schema)}) and table_name = lower(${lit(name)})`,
      );
      return Number(rows[0][0]) === 1;
    },
    badCredentials: async () => ({
      settings: { ...world.settings, token: 'dapi-wrong-token-0000-secret' },
      secret: 'dapi-wrong-token-0000-secret',
      message: /rejected the token \(HTTP 401\)/,
    }),
    limited: async () => {
      server.addToken('dapi-limited-token-secret', 'limited@example.com');
      await server.grant('USE CATALOG', 'limited@example.com', 'main');
      return {
        settings: { ...world.settings, token: 'dapi-limited-token-secret' },
        missing: [
          'GRANT USE SCHEMA, CREATE TABLE ON SCHEMA `main`.`__segment_reverse_etl` TO `limited@example.com`;',
        ],
      };
    },
    teardown: () => server.stop(),
  };
});
