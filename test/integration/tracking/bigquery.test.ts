/** The shared data-plane suite: the real @google-cloud/bigquery client against the protocol-level BigQuery. */
import { quoteIdent, quoteLiteral } from '../../../src/adapters/warehouse/bigquery/bigquery-sql';
import { startBigQueryWorld, type BigQueryWorld } from '../../helpers/bigquery';
import { trackingSuite } from './tracking-suite';

let world: BigQueryWorld;

trackingSuite('bigquery', async () => {
  world = await startBigQueryWorld();
  const { server } = world;
  return {
    warehouse: 'bigquery',
    settings: world.settings,
    managedSchema: '__backflow',
    exec: (sql) => server.sql(sql),
    quote: quoteIdent,
    table: (name) => `${quoteIdent('marts')}.${quoteIdent(name)}`,
    lit: quoteLiteral,
    types: { text: 'STRING', bigint: 'INT64', double: 'FLOAT64', boolean: 'BOOL', date: 'DATE' },
    hostileSync: 'Orders "to" Hub spot',
    hostileColumn: 'Full Name ünï',
    teardown: () => server.stop(),
  };
});
