/** The shared adapter suite: the real @google-cloud/bigquery client against the protocol-level BigQuery. */
import { quoteIdent } from '../../../src/adapters/warehouse/bigquery/bigquery-sql';
import {
  forgedKey,
  startBigQueryWorld,
  ODD_DATASET,
  PROJECT,
  type BigQueryWorld,
} from '../../helpers/bigquery';
import { rsaKeyPair } from '../../helpers/snowflake';
import { adapterSuite } from './adapter-suite';

let world: BigQueryWorld;

adapterSuite('bigquery', async () => {
  world = await startBigQueryWorld();
  const { server } = world;
  return {
    warehouse: 'bigquery',
    settings: world.settings,
    schema: 'marts',
    managedSchema: '__segment_reverse_etl',
    exec: (sql) => server.sql(sql),
    quote: quoteIdent,
    table: (schema, name) => `${quoteIdent(schema)}.${quoteIdent(name)}`,
    types: { bigint: 'INT64', text: 'STRING', boolean: 'BOOL' },
    column: (name) => name,
    typeNames: { bigint: 'INT64', text: 'STRING' },
    hostile: { schema: ODD_DATASET, table: 'Täble with spaces-ünï', column: 'Col 1 ünï' },
    introspectRoundTrips: 2,
    relationExists: async (schema, name) => {
      const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
      const rows = await server.duck(
        `select count(*) from information_schema.tables where table_catalog = '${PROJECT}' and table_schema = ${lit(schema)} and table_name = ${lit(name)}`,
      );
      return Number(rows[0][0]) === 1;
    },
    badCredentials: async () => {
      const other = rsaKeyPair().privateKey;
      return {
        settings: { ...world.settings, credentials: forgedKey(world.account.json, other) },
        secret: other.split('\n')[1],
        message: /BigQuery rejected the credentials of backflow@backflow-test\.iam\.gserviceaccount\.com/,
      };
    },
    limited: async () => {
      const limited = server.addServiceAccount('limited', { projectRoles: ['roles/bigquery.jobUser'] });
      return {
        settings: { ...world.settings, credentials: limited.json },
        missing: [
          'GRANT `roles/bigquery.dataEditor` ON SCHEMA `backflow-test`.`__segment_reverse_etl` TO "serviceAccount:limited@backflow-test.iam.gserviceaccount.com";',
        ],
      };
    },
    teardown: () => server.stop(),
  };
});
