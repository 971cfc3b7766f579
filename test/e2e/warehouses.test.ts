/**
 * Plan and apply of a source, a SQL model and a sync for every warehouse but Postgres (covered by
 * workflow.test.ts), through the real CLI: a separate node process (loopback guard preloaded) driving the
 * real client library against the protocol-level servers (Snowflake, BigQuery, Databricks) or Postgres
 * behind the Redshift compatibility schema. Secrets are files or environment variables and never land in
 * state, plan files or output.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { quoteIdent, type TestDatabase } from '../helpers/pg';
import { createRedshiftDatabase } from '../helpers/redshift';
import { startSnowflakeWorld, type SnowflakeWorld } from '../helpers/snowflake';
import { startBigQueryWorld, type BigQueryWorld } from '../helpers/bigquery';
import { startDatabricksWorld, TOKEN, type DatabricksWorld } from '../helpers/databricks';
import { persistedText, scratchDir, writeConfig } from '../helpers/workspace';

interface Case {
  warehouse: string;
  /** Sets up the warehouse; returns the source block, env for the CLI, the secrets to look for, and checks. */
  start(dir: string): Promise<{
    source: Record<string, unknown>;
    env: NodeJS.ProcessEnv;
    secrets: string[];
    primaryKey: string;
    query?: string;
    snapshotExists(): Promise<boolean>;
    setupSql: RegExp[];
    stop(): Promise<void>;
  }>;
}

const QUERY = 'select user_id, email from analytics.users where active';

const cases: Case[] = [
  {
    warehouse: 'snowflake',
    async start(dir) {
      const world: SnowflakeWorld = await startSnowflakeWorld();
      await world.server.sql(
        `create table marts.users (user_id bigint, email varchar, active boolean);
         insert into marts.users values (1, 'a@x', true), (2, 'b@x', false), (3, 'c@x', true)`,
        'ANALYTICS',
      );
      writeFileSync(join(dir, 'rsa_key.p8'), world.key.privateKey);
      return {
        source: {
          warehouse: 'snowflake',
          settings: {
            account: 'myorg-backflow',
            user: 'backflow',
            role: 'backflow_role',
            warehouse: 'backflow_wh',
            database: 'analytics',
            private_key: { file: 'rsa_key.p8' },
            access_url: world.server.url,
          },
        },
        env: {},
        secrets: world.key.privateKey.split('\n').slice(1, 4),
        primaryKey: 'USER_ID',
        query: 'select user_id, email from marts.users where active',
        snapshotExists: async () =>
          Number(
            (
              await world.server.duck(
                `select count(*) from information_schema.tables where table_schema = '__SEGMENT_REVERSE_ETL' and table_name = 'SNAPSHOT_ACTIVE_USERS'`,
              )
            )[0][0],
          ) === 1,
        setupSql: [
          /CREATE WAREHOUSE IF NOT EXISTS "BACKFLOW_WH"\s+WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE/,
          /CREATE ROLE IF NOT EXISTS "BACKFLOW_ROLE";/,
          /GRANT USAGE, CREATE TABLE ON SCHEMA "ANALYTICS"."__SEGMENT_REVERSE_ETL" TO ROLE "BACKFLOW_ROLE";/,
          /CREATE USER IF NOT EXISTS "BACKFLOW"[\s\S]*RSA_PUBLIC_KEY = '<paste the public key/,
          /GRANT ROLE "BACKFLOW_ROLE" TO USER "BACKFLOW";/,
        ],
        stop: () => world.server.stop(),
      };
    },
  },
  {
    warehouse: 'bigquery',
    async start(dir) {
      const world: BigQueryWorld = await startBigQueryWorld();
      await world.server.createDataset('analytics');
      await world.server.sql(
        "create table `analytics`.`users` (user_id INT64, email STRING, active BOOL); insert into `analytics`.`users` values (1, 'a@x', true), (2, 'b@x', false), (3, 'c@x', true)",
      );
      writeFileSync(join(dir, 'key.json'), world.account.json);
      return {
        source: {
          warehouse: 'bigquery',
          settings: {
            project_id: 'backflow-test',
            location: 'US',
            credentials: { file: 'key.json' },
            api_endpoint: world.server.url,
          },
        },
        env: {},
        secrets: [JSON.parse(world.account.json).private_key.split('\n')[1]],
        primaryKey: 'user_id',
        snapshotExists: async () =>
          Number(
            (
              await world.server.duck(
                `select count(*) from information_schema.tables where table_schema = '__segment_reverse_etl' and table_name = 'snapshot_active_users'`,
              )
            )[0][0],
          ) === 1,
        setupSql: [
          /gcloud projects add-iam-policy-binding backflow-test .*--role=roles\/bigquery\.jobUser/,
          /CREATE SCHEMA IF NOT EXISTS `backflow-test`.`__segment_reverse_etl` OPTIONS \(location = 'US'\);/,
          /GRANT `roles\/bigquery\.dataEditor` ON SCHEMA `backflow-test`.`__segment_reverse_etl`/,
        ],
        stop: () => world.server.stop(),
      };
    },
  },
  {
    warehouse: 'databricks',
    async start(dir) {
      const world: DatabricksWorld = await startDatabricksWorld();
      await world.server.sql(
        "create schema analytics; create table analytics.users (user_id BIGINT, email STRING, active BOOLEAN); insert into analytics.users values (1, 'a@x', true), (2, 'b@x', false), (3, 'c@x', true)",
      );
      writeFileSync(join(dir, 'ca.pem'), world.server.caCert);
      return {
        source: {
          warehouse: 'databricks',
          settings: {
            host: '127.0.0.1',
            port: world.server.port,
            http_path: world.server.httpPath,
            catalog: 'main',
            token: { env: 'DATABRICKS_TOKEN' },
            ca_cert: { file: 'ca.pem' },
          },
        },
        env: { DATABRICKS_TOKEN: TOKEN },
        secrets: [TOKEN],
        primaryKey: 'user_id',
        snapshotExists: async () =>
          Number(
            (
              await world.server.duck(
                `select count(*) from information_schema.tables where table_schema = '__segment_reverse_etl' and table_name = 'snapshot_active_users'`,
              )
            )[0][0],
          ) === 1,
        setupSql: [
          /GRANT USE CATALOG ON CATALOG `main` TO/,
          /CREATE SCHEMA IF NOT EXISTS `main`.`__segment_reverse_etl`;/,
          /GRANT USE SCHEMA, CREATE TABLE, SELECT, MODIFY ON SCHEMA `main`.`__segment_reverse_etl`/,
        ],
        stop: () => world.server.stop(),
      };
    },
  },
  {
    warehouse: 'redshift',
    async start() {
      const db: TestDatabase = await createRedshiftDatabase('e2e_redshift');
      const password = 'Rs-e2e-secret-99887';
      const role = await db.createRole({ password });
      await db.query(`
        create schema analytics;
        create table analytics.users (user_id bigint, email varchar(256), active boolean);
        insert into analytics.users values (1, 'a@x', true), (2, 'b@x', false), (3, 'c@x', true);
        grant usage on schema analytics to ${quoteIdent(role.name)};
        grant select on all tables in schema analytics to ${quoteIdent(role.name)};
        grant create on database ${quoteIdent(db.name)} to ${quoteIdent(role.name)};`);
      return {
        source: {
          warehouse: 'redshift',
          settings: {
            host: role.settings.host,
            port: role.settings.port,
            database: db.name,
            user: role.name,
            password: { env: 'REDSHIFT_PASSWORD' },
            sslmode: 'disable',
          },
        },
        env: { REDSHIFT_PASSWORD: password },
        secrets: [password],
        primaryKey: 'user_id',
        snapshotExists: async () =>
          (
            await db.query(
              `select to_regclass('"__segment_reverse_etl"."snapshot_active_users"') is not null as ok`,
            )
          )[0].ok as boolean,
        setupSql: [
          /CREATE USER "[^"]+" PASSWORD/,
          /CREATE SCHEMA IF NOT EXISTS "__segment_reverse_etl" AUTHORIZATION "[^"]+";/,
          /security group must allow inbound TCP \d+/,
        ],
        stop: () => db.drop(),
      };
    },
  },
];

describe.each(cases)('$warehouse end to end through the CLI', (c) => {
  let dir: string;
  let setup: Awaited<ReturnType<Case['start']>>;
  const outputs: string[] = [];

  async function cli(args: string[]): Promise<CliResult> {
    const r = await runCli(args, { cwd: dir, env: { ...setup.env, CRM_TOKEN: 'tok-crm-e2e-secret-4242' } });
    outputs.push(r.output);
    return r;
  }

  beforeAll(async () => {
    dir = scratchDir(`backflow-e2e-${c.warehouse}-`);
    setup = await c.start(dir);
    writeConfig(dir, {
      sources: { warehouse: setup.source },
      models: {
        active_users: {
          source: 'warehouse',
          name: 'Active users',
          query: setup.query ?? QUERY,
          primary_key: setup.primaryKey,
        },
      },
      destinations: {
        crm: {
          type: 'webhook',
          url: 'https://hooks.example.com/crm',
          headers: { Authorization: { env: 'CRM_TOKEN' } },
        },
      },
      syncs: {
        users_to_crm: {
          model: 'active_users',
          destination: 'crm',
          schedule: { strategy: 'periodic', interval: '1h' },
        },
      },
    });
  });

  afterAll(async () => {
    await setup?.stop();
  });

  it('plans, applies, then plans no changes', async () => {
    const plan = await cli(['plan']);
    expect(plan.output).toContain('Plan: 4 to add, 0 to change, 0 to destroy.');
    expect(plan.code).toBe(0);

    const apply = await cli(['apply', '-auto-approve']);
    expect(apply.output).toContain('Apply complete! Resources: 4 added, 0 changed, 0 destroyed.');
    expect(apply.code).toBe(0);
    expect(await setup.snapshotExists()).toBe(true);
    const state = JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
    expect(state.resources['model.active_users'].computed.columns.map((col: any) => col.name)).toEqual(
      c.warehouse === 'snowflake' ? ['USER_ID', 'EMAIL'] : ['user_id', 'email'],
    );
    expect(state.resources['model.active_users'].computed.primary_key_check).toEqual({
      total: 2,
      distinct: 2,
      nulls: 0,
    });

    const again = await cli(['plan', '-detailed-exitcode']);
    expect(again.output).toContain('No changes. Your infrastructure matches the configuration.');
    expect(again.code).toBe(0);
  });

  it('prints the setup SQL with the names filled in', async () => {
    const r = await cli(['source', 'setup-sql', 'warehouse']);
    expect(r.code).toBe(0);
    for (const pattern of setup.setupSql) expect(r.stdout).toMatch(pattern);
  });

  it('destroys the snapshot table, and no secret was ever written or printed', async () => {
    const r = await cli(['destroy', '-auto-approve']);
    expect(r.code).toBe(0);
    expect(await setup.snapshotExists()).toBe(false);
    const persisted = persistedText(dir);
    expect(existsSync(join(dir, '.backflow', 'state.json'))).toBe(true);
    for (const secret of [...setup.secrets, 'tok-crm-e2e-secret-4242']) {
      expect(persisted).not.toContain(secret);
      for (const out of outputs) expect(out).not.toContain(secret);
    }
  });
});
