/**
 * The shared adapter suite against the REAL services, opt in. The protocol-level servers prove the client
 * libraries and Backflow's SQL agree with what Backflow expects; only the real warehouse proves that
 * Snowflake, BigQuery, Databricks and Redshift agree too.
 *
 *   npx jest -c test/live/jest.config.js          (no loopback guard; see README "Testing")
 *
 * Each warehouse runs when its variables are set (and is skipped otherwise, including in `npm test`):
 *   Snowflake   BACKFLOW_LIVE_SNOWFLAKE_ACCOUNT, _USER, _ROLE, _WAREHOUSE, _DATABASE, _PRIVATE_KEY_FILE
 *               [, _PRIVATE_KEY_PASSPHRASE]  (the role needs CREATE SCHEMA on the database)
 *   BigQuery    BACKFLOW_LIVE_BIGQUERY_PROJECT, _CREDENTIALS_FILE [, _LOCATION]  (jobUser + dataEditor/user)
 *   Databricks  BACKFLOW_LIVE_DATABRICKS_HOST, _HTTP_PATH, _TOKEN [, _CATALOG]  (CREATE SCHEMA on the catalog)
 *   Redshift    BACKFLOW_LIVE_REDSHIFT_HOST, _DATABASE, _USER, _PASSWORD [, _PORT]  (CREATE on the database)
 * Everything is created in schemas/datasets with a random suffix and dropped at the end.
 */
import '../helpers/sdk-shims';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { adapterSuite, type WarehouseFixture } from '../integration/warehouse/adapter-suite';
import * as bqSql from '../../src/adapters/warehouse/bigquery/bigquery-sql';
import * as dbxSql from '../../src/adapters/warehouse/databricks/databricks-sql';
import * as sfSql from '../../src/adapters/warehouse/snowflake/snowflake-sql';
import { quoteIdent as pgQuote } from '../../src/adapters/warehouse/postgres/postgres-sql';

const env = process.env;
const live = env.BACKFLOW_LIVE_RUN === '1';
const suffix = randomBytes(3).toString('hex');
const has = (...names: string[]) => live && names.every((n) => !!env[n]);

/** Runs the suite when `enabled`; otherwise registers one skipped test saying what to set. */
function liveSuite(name: string, enabled: boolean, make: () => Promise<WarehouseFixture>): void {
  if (enabled) adapterSuite(`${name} (live)`, make);
  else
    describe(`${name} (live)`, () =>
      test.skip(`set the BACKFLOW_LIVE_${name.toUpperCase()}_* variables`, () => undefined));
}

liveSuite(
  'snowflake',
  has(
    'BACKFLOW_LIVE_SNOWFLAKE_ACCOUNT',
    'BACKFLOW_LIVE_SNOWFLAKE_USER',
    'BACKFLOW_LIVE_SNOWFLAKE_WAREHOUSE',
    'BACKFLOW_LIVE_SNOWFLAKE_DATABASE',
    'BACKFLOW_LIVE_SNOWFLAKE_PRIVATE_KEY_FILE',
  ),
  async () => {
    const { loadSnowflakeSdk, connectionOptions } =
      require('../../src/adapters/warehouse/snowflake/snowflake-driver') as typeof import('../../src/adapters/warehouse/snowflake/snowflake-driver');
    const { readSnowflakeSettings } =
      require('../../src/adapters/warehouse/snowflake/snowflake-settings') as typeof import('../../src/adapters/warehouse/snowflake/snowflake-settings');
    const settings = {
      account: env.BACKFLOW_LIVE_SNOWFLAKE_ACCOUNT,
      user: env.BACKFLOW_LIVE_SNOWFLAKE_USER,
      role: env.BACKFLOW_LIVE_SNOWFLAKE_ROLE,
      warehouse: env.BACKFLOW_LIVE_SNOWFLAKE_WAREHOUSE,
      database: env.BACKFLOW_LIVE_SNOWFLAKE_DATABASE,
      private_key: readFileSync(env.BACKFLOW_LIVE_SNOWFLAKE_PRIVATE_KEY_FILE!, 'utf8'),
      private_key_passphrase: env.BACKFLOW_LIVE_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE,
    };
    const sdk = loadSnowflakeSdk();
    const conn = sdk.createConnection(connectionOptions(readSnowflakeSettings(settings)));
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    const exec = (sqlText: string) =>
      new Promise<unknown[]>((resolve, reject) =>
        conn.execute({ sqlText, complete: (err, _s, rows) => (err ? reject(err) : resolve(rows ?? [])) }),
      );
    const q = (n: string) => sfSql.quoteIdent(sfSql.resolveIdentifier(n));
    const schema = `BACKFLOW_LIVE_${suffix}`.toUpperCase();
    const odd = `Backflow Live "é" ${suffix}`;
    const managed = `BACKFLOW_LIVE_MANAGED_${suffix}`.toUpperCase();
    await exec(`create schema ${q(schema)}`);
    await exec(`create schema ${q(odd)}`);
    return {
      warehouse: 'snowflake',
      settings,
      schema,
      managedSchema: managed,
      exec: async (sql) => void (await exec(sql)),
      quote: q,
      table: (s, n) => `${q(s)}.${q(n)}`,
      types: { bigint: 'bigint', text: 'varchar', boolean: 'boolean' },
      column: sfSql.resolveIdentifier,
      typeNames: { bigint: 'NUMBER(38,0)', text: 'VARCHAR' },
      hostile: { schema: odd, table: 'Table `with` spaces ✓; drop', column: 'Col "1"; drop' },
      introspectRoundTrips: 1,
      relationExists: async (s, n) =>
        (
          await exec(
            `select 1 from information_schema.tables where table_schema = ${sfSql.quoteLiteral(sfSql.resolveIdentifier(s))} and table_name = ${sfSql.quoteLiteral(sfSql.resolveIdentifier(n))}`,
          )
        ).length === 1,
      teardown: async () => {
        for (const s of [schema, odd, managed])
          await exec(`drop schema if exists ${q(s)} cascade`).catch(() => undefined);
        await new Promise<void>((r) => conn.destroy(() => r()));
      },
    };
  },
);

liveSuite(
  'bigquery',
  has('BACKFLOW_LIVE_BIGQUERY_PROJECT', 'BACKFLOW_LIVE_BIGQUERY_CREDENTIALS_FILE'),
  async () => {
    const { BigQuery } = require('@google-cloud/bigquery') as typeof import('@google-cloud/bigquery');
    const auth = require('google-auth-library') as typeof import('google-auth-library');
    const { bigQueryOptions } =
      require('../../src/adapters/warehouse/bigquery/bigquery-driver') as typeof import('../../src/adapters/warehouse/bigquery/bigquery-driver');
    const { readBigQuerySettings } =
      require('../../src/adapters/warehouse/bigquery/bigquery-settings') as typeof import('../../src/adapters/warehouse/bigquery/bigquery-settings');
    const settings = {
      project_id: env.BACKFLOW_LIVE_BIGQUERY_PROJECT,
      location: env.BACKFLOW_LIVE_BIGQUERY_LOCATION ?? 'US',
      credentials: readFileSync(env.BACKFLOW_LIVE_BIGQUERY_CREDENTIALS_FILE!, 'utf8'),
    };
    const client = new BigQuery(bigQueryOptions(readBigQuerySettings(settings), auth));
    const dataset = `backflow_live_${suffix}`;
    const odd = `Backflow_Live_Odd_${suffix}`;
    const managed = `backflow_live_managed_${suffix}`;
    for (const d of [dataset, odd]) await client.createDataset(d, { location: settings.location });
    const exec = async (query: string) => (await client.query({ query, location: settings.location }))[0];
    return {
      warehouse: 'bigquery',
      settings,
      schema: dataset,
      managedSchema: managed,
      exec: async (sql) => void (await exec(sql)),
      quote: bqSql.quoteIdent,
      table: (s, n) => `${bqSql.quoteIdent(s)}.${bqSql.quoteIdent(n)}`,
      types: { bigint: 'INT64', text: 'STRING', boolean: 'BOOL' },
      column: (n) => n,
      typeNames: { bigint: 'INT64', text: 'STRING' },
      hostile: { schema: odd, table: 'Täble with spaces-ünï', column: 'Col 1 ünï' },
      introspectRoundTrips: 2,
      relationExists: async (s, n) => (await client.dataset(s).table(n).exists())[0],
      teardown: async () => {
        for (const d of [dataset, odd, managed])
          await client
            .dataset(d)
            .delete({ force: true })
            .catch(() => undefined);
      },
    };
  },
);

liveSuite(
  'databricks',
  has(
    'BACKFLOW_LIVE_DATABRICKS_HOST',
    'BACKFLOW_LIVE_DATABRICKS_HTTP_PATH',
    'BACKFLOW_LIVE_DATABRICKS_TOKEN',
  ),
  async () => {
    const { DBSQLClient } = require('@databricks/sql') as typeof import('@databricks/sql');
    const catalog = env.BACKFLOW_LIVE_DATABRICKS_CATALOG ?? 'main';
    const settings = {
      host: env.BACKFLOW_LIVE_DATABRICKS_HOST,
      http_path: env.BACKFLOW_LIVE_DATABRICKS_HTTP_PATH,
      token: env.BACKFLOW_LIVE_DATABRICKS_TOKEN,
      catalog,
    };
    const client = await new DBSQLClient().connect({
      host: settings.host!,
      path: settings.http_path!,
      token: settings.token!,
    });
    const session = await client.openSession({ initialCatalog: catalog });
    const exec = async (sql: string) => {
      const op = await session.executeStatement(sql);
      const rows = await op.fetchAll();
      await op.close();
      return rows;
    };
    const schema = `backflow_live_${suffix}`;
    const odd = `backflow_live_é_${suffix}`;
    const managed = `backflow_live_managed_${suffix}`;
    for (const s of [schema, odd]) await exec(`create schema ${dbxSql.qualified(catalog, s)}`);
    return {
      warehouse: 'databricks',
      settings,
      schema,
      managedSchema: managed,
      exec: async (sql) => void (await exec(sql)),
      quote: dbxSql.quoteIdent,
      table: (s, n) => dbxSql.qualified(catalog, s, n),
      types: { bigint: 'BIGINT', text: 'STRING', boolean: 'BOOLEAN' },
      column: (n) => n,
      typeNames: { bigint: 'BIGINT', text: 'STRING' },
      hostile: { schema: odd, table: 'täble`quoted`-1;drop', column: 'col_1_ünï' },
      introspectRoundTrips: 1,
      relationExists: async (s, n) =>
        (
          await exec(
            `select 1 from ${dbxSql.quoteIdent(catalog)}.information_schema.tables where table_schema = ${dbxSql.quoteLiteral(s)} and table_name = ${dbxSql.quoteLiteral(n.toLowerCase())}`,
          )
        ).length === 1,
      teardown: async () => {
        for (const s of [schema, odd, managed])
          await exec(`drop schema if exists ${dbxSql.qualified(catalog, s)} cascade`).catch(() => undefined);
        await session.close();
        await client.close();
      },
    };
  },
);

liveSuite(
  'redshift',
  has(
    'BACKFLOW_LIVE_REDSHIFT_HOST',
    'BACKFLOW_LIVE_REDSHIFT_DATABASE',
    'BACKFLOW_LIVE_REDSHIFT_USER',
    'BACKFLOW_LIVE_REDSHIFT_PASSWORD',
  ),
  async () => {
    const { Client } = require('pg') as typeof import('pg');
    const settings = {
      host: env.BACKFLOW_LIVE_REDSHIFT_HOST,
      port: Number(env.BACKFLOW_LIVE_REDSHIFT_PORT ?? 5439),
      database: env.BACKFLOW_LIVE_REDSHIFT_DATABASE,
      user: env.BACKFLOW_LIVE_REDSHIFT_USER,
      password: env.BACKFLOW_LIVE_REDSHIFT_PASSWORD,
      sslmode: 'require',
    };
    const admin = new Client({ ...settings, ssl: { rejectUnauthorized: false } } as never);
    await admin.connect();
    const schema = `backflow_live_${suffix}`;
    const odd = `backflow live "é" ${suffix}`;
    const managed = `backflow_live_managed_${suffix}`;
    for (const s of [schema, odd]) await admin.query(`create schema ${pgQuote(s)}`);
    return {
      warehouse: 'redshift',
      settings,
      schema,
      managedSchema: managed,
      exec: async (sql) => void (await admin.query(sql)),
      quote: pgQuote,
      table: (s, n) => `${pgQuote(s)}.${pgQuote(n)}`,
      types: { bigint: 'bigint', text: 'varchar(256)', boolean: 'boolean' },
      column: (n) => n,
      typeNames: { bigint: 'bigint', text: 'character varying(256)' },
      hostile: { schema: odd, table: 'table `with` spaces ✓; drop', column: 'col "1"; drop' },
      introspectRoundTrips: 1,
      relationExists: async (s, n) =>
        (await admin.query('select 1 from svv_tables where table_schema = $1 and table_name = $2', [s, n]))
          .rows.length === 1,
      teardown: async () => {
        for (const s of [schema, odd, managed])
          await admin.query(`drop schema if exists ${pgQuote(s)} cascade`).catch(() => undefined);
        await admin.end();
      },
    };
  },
);
