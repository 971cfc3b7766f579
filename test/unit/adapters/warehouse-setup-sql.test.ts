/** `backflow source setup-sql` for each warehouse: names filled in, quoted the warehouse's way. */
import { getDialect } from '../../../src/adapters/warehouse/registry';

test('Snowflake: warehouse, database, role, grants, managed schema and key-pair user, names resolved and quoted', () => {
  const sql = getDialect('snowflake').setupSql(
    {
      account: 'myorg-acct',
      user: 'backflow',
      role: 'backflow_role',
      warehouse: 'reverse_etl_wh',
      database: 'Analytics',
      schema: 'marts',
    },
    '__segment_reverse_etl',
  );
  expect(sql).toContain(
    `CREATE WAREHOUSE IF NOT EXISTS "REVERSE_ETL_WH"\n  WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE;`,
  );
  for (const line of [
    'CREATE DATABASE IF NOT EXISTS "ANALYTICS";',
    'CREATE ROLE IF NOT EXISTS "BACKFLOW_ROLE";',
    'GRANT USAGE ON WAREHOUSE "REVERSE_ETL_WH" TO ROLE "BACKFLOW_ROLE";',
    'GRANT USAGE ON DATABASE "ANALYTICS" TO ROLE "BACKFLOW_ROLE";',
    'GRANT SELECT ON FUTURE TABLES IN SCHEMA "ANALYTICS"."MARTS" TO ROLE "BACKFLOW_ROLE";',
    'CREATE SCHEMA IF NOT EXISTS "ANALYTICS"."__SEGMENT_REVERSE_ETL";',
    'GRANT USAGE, CREATE TABLE ON SCHEMA "ANALYTICS"."__SEGMENT_REVERSE_ETL" TO ROLE "BACKFLOW_ROLE";',
    'CREATE USER IF NOT EXISTS "BACKFLOW"',
    '  TYPE = SERVICE',
    "  RSA_PUBLIC_KEY = '<paste the public key: MIIBIjANBgkqh...>';",
    'GRANT ROLE "BACKFLOW_ROLE" TO USER "BACKFLOW";',
  ])
    expect(sql).toContain(line);
});

test('Snowflake: hostile names stay quoted and inert', () => {
  const sql = getDialect('snowflake').setupSql(
    { user: 'x"; drop user y; --', warehouse: 'wh', database: 'db', role: 'Role With Space' },
    '"Managed"',
  );
  expect(sql).toContain('CREATE USER IF NOT EXISTS "x""; drop user y; --"');
  expect(sql).toContain('CREATE ROLE IF NOT EXISTS "Role With Space";');
  expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "DB"."Managed";');
});

test('BigQuery: gcloud roles and dataset DDL/DCL for the project and location', () => {
  const sql = getDialect('bigquery').setupSql(
    { project_id: 'acme-analytics', location: 'EU' },
    '__segment_reverse_etl',
  );
  expect(sql).toContain(
    '--   gcloud projects add-iam-policy-binding acme-analytics --member=serviceAccount:backflow@acme-analytics.iam.gserviceaccount.com --role=roles/bigquery.jobUser',
  );
  expect(sql).toContain(
    "CREATE SCHEMA IF NOT EXISTS `acme-analytics`.`__segment_reverse_etl` OPTIONS (location = 'EU');",
  );
  expect(sql).toContain(
    'GRANT `roles/bigquery.dataEditor` ON SCHEMA `acme-analytics`.`__segment_reverse_etl` TO "serviceAccount:backflow@acme-analytics.iam.gserviceaccount.com";',
  );
});

test('Databricks: Unity Catalog grants on the catalog and managed schema', () => {
  const sql = getDialect('databricks').setupSql(
    { host: 'dbc-1.cloud.databricks.com', http_path: '/sql/1.0/warehouses/abc', catalog: 'Prod' },
    '__segment_reverse_etl',
  );
  expect(sql).toContain(
    'GRANT USE CATALOG ON CATALOG `prod` TO `<application-id of the backflow service principal>`;',
  );
  expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS `prod`.`__segment_reverse_etl`;');
  expect(sql).toContain('/sql/1.0/warehouses/abc');
});

test('Redshift: user, read grants, managed schema and the network rule', () => {
  const sql = getDialect('redshift').setupSql(
    {
      host: 'c.abc.us-east-1.redshift.amazonaws.com',
      database: 'dev',
      user: 'backflow',
      schema: 'analytics',
    },
    '__segment_reverse_etl',
  );
  expect(sql).toContain('at c.abc.us-east-1.redshift.amazonaws.com:5439');
  expect(sql).toContain(`CREATE USER "backflow" PASSWORD 'Replace-with-a-strong-password1';`);
  expect(sql).toContain('GRANT SELECT ON ALL TABLES IN SCHEMA "analytics" TO "backflow";');
  expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "__segment_reverse_etl" AUTHORIZATION "backflow";');
  expect(sql).toContain('inbound TCP 5439');
});
