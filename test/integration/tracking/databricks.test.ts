/** The shared data-plane suite: the real @databricks/sql driver (Thrift over HTTPS) against the test warehouse. */
import { quoteIdent, quoteLiteral } from '../../../src/adapters/warehouse/databricks/databricks-sql';
import { startDatabricksWorld, type DatabricksWorld } from '../../helpers/databricks';
import { trackingSuite } from './tracking-suite';

let world: DatabricksWorld;

trackingSuite('databricks', async () => {
  world = await startDatabricksWorld();
  const { server } = world;
  return {
    warehouse: 'databricks',
    settings: world.settings,
    managedSchema: '__backflow',
    exec: (sql) => server.sql(sql),
    quote: quoteIdent,
    table: (name) => `${quoteIdent('main')}.${quoteIdent('marts')}.${quoteIdent(name)}`,
    lit: quoteLiteral,
    types: { text: 'STRING', bigint: 'BIGINT', double: 'DOUBLE', boolean: 'BOOLEAN', date: 'DATE' },
    hostileSync: 'Orders "to" Hub spot',
    hostileColumn: 'Full `Name`-ünï;drop',
    teardown: () => server.stop(),
  };
});
