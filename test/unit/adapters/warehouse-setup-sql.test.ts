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

/** The schemas models read, as `source setup-sql` collects them: a SQL model's and a dbt relation's. */
const reads = [
  { schema: { text: 'sales', quoted: false } },
  { schema: { text: 'Marts', quoted: true } },
  { database: { text: 'other_db', quoted: false }, schema: { text: 'raw', quoted: false } },
];

test('Postgres: read grants on the schemas the models read, besides the default schema', () => {
  const sql = getDialect('postgres').setupSql(
    { host: 'h', database: 'analytics', user: 'backflow', schema: 'public' },
    '__segment_reverse_etl',
    [
      ...reads,
      { database: { text: 'ANALYTICS', quoted: false }, schema: { text: 'Staging', quoted: false } },
    ],
  );
  for (const schema of ['public', 'sales', 'Marts', 'staging']) {
    expect(sql).toContain(`GRANT USAGE ON SCHEMA "${schema}" TO "backflow";`);
    expect(sql).toContain(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO "backflow";`);
    expect(sql).toContain(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" GRANT SELECT ON TABLES TO "backflow";`,
    );
  }
  // Another database cannot be read over a Postgres connection: nothing to grant here.
  expect(sql).not.toContain('"raw"');
});

test('Redshift: read grants on the schemas the models read', () => {
  const sql = getDialect('redshift').setupSql(
    { host: 'c.example.com', port: 5439, database: 'dev', user: 'backflow', schema: 'analytics' },
    '__segment_reverse_etl',
    reads,
  );
  for (const schema of ['analytics', 'sales', 'Marts']) {
    expect(sql).toContain(`GRANT USAGE ON SCHEMA "${schema}" TO "backflow";`);
    expect(sql).toContain(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" GRANT SELECT ON TABLES TO "backflow";`,
    );
  }
});

test('Snowflake: per-schema grants (future tables and views too), another database gets USAGE', () => {
  const names = {
    user: 'backflow',
    warehouse: 'wh',
    database: 'Analytics',
    role: 'bf_role',
    schema: 'marts',
  };
  const sql = getDialect('snowflake').setupSql(names, '__segment_reverse_etl', reads);
  for (const schema of [
    '"ANALYTICS"."MARTS"',
    '"ANALYTICS"."SALES"',
    '"ANALYTICS"."Marts"',
    '"OTHER_DB"."RAW"',
  ]) {
    expect(sql).toContain(`GRANT USAGE ON SCHEMA ${schema} TO ROLE "BF_ROLE";`);
    expect(sql).toContain(`GRANT SELECT ON FUTURE TABLES IN SCHEMA ${schema} TO ROLE "BF_ROLE";`);
    expect(sql).toContain(`GRANT SELECT ON FUTURE VIEWS IN SCHEMA ${schema} TO ROLE "BF_ROLE";`);
  }
  expect(sql).toContain('GRANT USAGE ON DATABASE "OTHER_DB" TO ROLE "BF_ROLE";');
  expect(sql).not.toContain('IN DATABASE');
  // An unqualified relation with no default schema: the whole database, as before.
  const wide = getDialect('snowflake').setupSql({ ...names, schema: undefined }, 'm', [{}]);
  expect(wide).toContain('GRANT SELECT ON FUTURE TABLES IN DATABASE "ANALYTICS" TO ROLE "BF_ROLE";');
});

test('BigQuery: dataViewer on each dataset the models read, in its own project', () => {
  const sql = getDialect('bigquery').setupSql({ project_id: 'acme-analytics' }, '__segment_reverse_etl', [
    { schema: { text: 'sales', quoted: false } },
    { database: { text: 'other-project', quoted: true }, schema: { text: 'raw', quoted: true } },
  ]);
  const sa = 'serviceAccount:backflow@acme-analytics.iam.gserviceaccount.com';
  expect(sql).toContain(
    `GRANT \`roles/bigquery.dataViewer\` ON SCHEMA \`acme-analytics\`.\`sales\` TO "${sa}";`,
  );
  expect(sql).toContain(
    `GRANT \`roles/bigquery.dataViewer\` ON SCHEMA \`other-project\`.\`raw\` TO "${sa}";`,
  );
  expect(sql).not.toContain('"analytics" is an example');
});

test('Databricks: USE SCHEMA and SELECT on each schema the models read, USE CATALOG on other catalogs', () => {
  const sql = getDialect('databricks').setupSql(
    { host: 'dbc-1.cloud.databricks.com', catalog: 'Prod' },
    'm',
    reads,
  );
  const principal = '`<application-id of the backflow service principal>`';
  for (const schema of ['`prod`.`sales`', '`prod`.`marts`', '`other_db`.`raw`'])
    expect(sql).toContain(`GRANT USE SCHEMA, SELECT ON SCHEMA ${schema} TO ${principal};`);
  expect(sql).toContain(`GRANT USE CATALOG ON CATALOG \`other_db\` TO ${principal};`);
  expect(sql).not.toContain('is an example');
});

test('a schema name with a line break is refused before anything is printed', () => {
  expect(() =>
    getDialect('postgres').setupSql({ host: 'h', database: 'd', user: 'u' }, 'm', [
      { schema: { text: 'x\nDROP TABLE t', quoted: true } },
    ]),
  ).toThrow(/a schema the models read contains a control character/);
});
