/**
 * The resolution chain's first link: a Git sync with `manifest: { dbt_cloud, job_id }` resolves relations
 * from the manifest of that job's latest successful run (served by the protocol-level dbt Cloud server),
 * with the job and run as provenance — ahead of static resolution, which would give another schema.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, expectNoErrorOutput } from '../helpers/cli';
import { createWorkRepo } from '../helpers/git-repo';
import { scratchDir, writeConfig } from '../helpers/workspace';
import {
  manifestText,
  sampleWorld,
  startDbtCloudServer,
  type DbtCloudTestServer,
} from '../servers/dbtcloud/server';

const KEY = 'dbtc_manifest-Zz1-key-7788';
let server: DbtCloudTestServer;
let dir: string;

beforeAll(async () => {
  const world = sampleWorld(KEY);
  // Job 42's latest successful run is 1001: its manifest says customers is built into prod_marts.
  world.manifests.set(
    1001,
    manifestText(12, {
      nodes: {
        'model.shop.customers': {
          resource_type: 'model',
          name: 'customers',
          package_name: 'shop',
          unique_id: 'model.shop.customers',
          database: 'analytics_db',
          schema: 'prod_marts',
          alias: 'customers',
          relation_name: '"analytics_db"."prod_marts"."customers"',
          config: { materialized: 'table', enabled: true },
          columns: {},
        },
      },
    }),
  );
  server = await startDbtCloudServer(world);
  const repo = mkdtempSync(join(tmpdir(), 'backflow-manifest-repo-'));
  await createWorkRepo(repo, {
    branch: 'main',
    files: {
      'dbt_project.yml': 'name: shop\nmodels:\n  shop:\n    +schema: marts\n',
      'models/customers.sql': 'select 1 as customer_id\n',
    },
  });
  dir = scratchDir('backflow-manifest-');
  writeConfig(dir, {
    sources: {
      warehouse: {
        warehouse: 'postgres',
        settings: { host: '127.0.0.1', port: 1, database: 'a', user: 'u' },
      },
    },
    dbt_cloud: { main: { account_id: 1234, access_url: server.url, api_key: { env: 'DBT_CLOUD_API_KEY' } } },
    git_syncs: {
      analytics: {
        source: 'warehouse',
        repository: repo,
        default_schema: 'analytics',
        manifest: { dbt_cloud: 'main', job_id: 42 },
      },
    },
  });
});

afterAll(async () => {
  await server?.stop();
});

it('resolves relations from the manifest of the job’s latest successful run, with provenance', async () => {
  const r = await runCli(['models', 'list', 'analytics', '--json'], {
    cwd: dir,
    env: { DBT_CLOUD_API_KEY: KEY },
  });
  expectNoErrorOutput(r.stderr);
  expect(r.code).toBe(0);
  const customers = JSON.parse(r.stdout).models.find((m: any) => m.name === 'customers');
  expect(customers.relation).toMatchObject({ schema: 'prod_marts', name: 'customers' });
  expect(customers.resolution.via).toBe('manifest');
  expect(JSON.stringify(customers.resolution)).toContain('dbt Cloud job 42 run 1001');
  expect(r.output).not.toContain(KEY);
});
