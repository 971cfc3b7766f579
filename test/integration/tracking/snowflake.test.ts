/** The shared data-plane suite: the real snowflake-sdk against the protocol-level Snowflake (DuckDB inside). */
import { startSnowflakeWorld, type SnowflakeWorld } from '../../helpers/snowflake';
import { trackingSuite } from './tracking-suite';

let world: SnowflakeWorld;
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

trackingSuite('snowflake', async () => {
  world = await startSnowflakeWorld();
  const { server } = world;
  return {
    warehouse: 'snowflake',
    settings: world.settings,
    managedSchema: '__backflow',
    exec: (sql) => server.sql(sql, 'ANALYTICS'),
    quote,
    table: (name) => `"MARTS".${quote(name)}`,
    lit: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`,
    types: { text: 'varchar', bigint: 'bigint', double: 'float', boolean: 'boolean', date: 'date' },
    hostileSync: 'Orders "to" Hub spot',
    hostileColumn: 'Full "Name"; drop',
    teardown: () => server.stop(),
  };
});
