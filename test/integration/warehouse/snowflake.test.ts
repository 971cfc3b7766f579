/** The shared adapter suite: the real snowflake-sdk against the protocol-level Snowflake (DuckDB inside). */
import { resolveIdentifier } from '../../../src/adapters/warehouse/snowflake/snowflake-sql';
import { rsaKeyPair, startSnowflakeWorld, ODD_SCHEMA, type SnowflakeWorld } from '../../helpers/snowflake';
import { adapterSuite } from './adapter-suite';

let world: SnowflakeWorld;
const quote = (name: string) => `"${resolveIdentifier(name).replace(/"/g, '""')}"`;

adapterSuite('snowflake', async () => {
  world = await startSnowflakeWorld();
  const { server } = world;
  return {
    warehouse: 'snowflake',
    settings: world.settings,
    schema: 'marts',
    managedSchema: '__segment_reverse_etl',
    exec: (sql) => server.sql(sql, 'ANALYTICS'),
    quote,
    table: (schema, name) => `${quote(schema)}.${quote(name)}`,
    types: { bigint: 'bigint', text: 'varchar', boolean: 'boolean' },
    column: resolveIdentifier,
    typeNames: { bigint: 'NUMBER(38,0)', text: 'VARCHAR' },
    hostile: { schema: ODD_SCHEMA, table: 'Table `with` spaces ✓; drop', column: 'Col "1"; drop' },
    introspectRoundTrips: 1,
    relationExists: async (schema, name) => {
      const lit = (s: string) => `'${resolveIdentifier(s).replace(/'/g, "''")}'`;
      // Snowflake SQL through the server's INFORMATION_SCHEMA, so names compare exactly, as in Snowflake.
      const rows = await server.query(
        `select count(*) from information_schema.tables where table_schema = ${lit(schema)} and table_name = ${lit(name)}`,
        'ANALYTICS',
      );
      return Number(rows[0][0]) === 1;
    },
    badCredentials: async () => {
      const other = rsaKeyPair();
      return {
        settings: { ...world.settings, private_key: other.privateKey },
        secret: other.privateKey.split('\n')[1],
        message: /rejected the key-pair sign-in of user "backflow"/,
      };
    },
    limited: async () => {
      server.addRole('LIMITED_ROLE');
      server.grant('LIMITED_ROLE', 'USAGE', 'DATABASE', 'ANALYTICS');
      const key = rsaKeyPair();
      server.addUser({ name: 'limited', publicKey: key.publicKey, roles: ['LIMITED_ROLE'] });
      return {
        settings: { ...world.settings, user: 'limited', role: 'limited_role', private_key: key.privateKey },
        missing: [
          'GRANT USAGE ON WAREHOUSE "BACKFLOW_WH" TO ROLE "LIMITED_ROLE";',
          'CREATE SCHEMA IF NOT EXISTS "ANALYTICS"."__SEGMENT_REVERSE_ETL";',
          'GRANT USAGE, CREATE TABLE ON SCHEMA "ANALYTICS"."__SEGMENT_REVERSE_ETL" TO ROLE "LIMITED_ROLE";',
        ],
      };
    },
    teardown: () => server.stop(),
  };
});
