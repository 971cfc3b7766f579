/**
 * A dbt project whose packages.yml names a package the repository does not commit, served by a real Git
 * server on loopback, through the CLI against the real Postgres: plan on a pull request does not contact
 * the package's (non-public) host and says so, the model needing the package's macro failing with that
 * reason; plan --trust-new-endpoints and apply fetch it (pinned by tag) and resolve the relation the
 * package's macro names; the next plan reads the package cache and sends the Git server nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server';
import { createServedRepo, createWorkRepo, type ServedRepo } from '../helpers/git-repo';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

let db: TestDatabase;
let role: TestRole;
let dir: string;
let server: GitHttpServer;
let pkg: ServedRepo;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env: SECRETS });

beforeAll(async () => {
  db = await createTestDatabase('e2e_dbt_pkg');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  // what dbt run built: the package's naming macro gives orders the alias "kit_orders"
  await db.query(`
    create schema analytics;
    create table analytics.kit_orders (order_id int);
    grant usage on schema analytics to "${role.name}";
    grant select on all tables in schema analytics to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
  const root = mkdtempSync(join(tmpdir(), 'backflow-pkg-server-'));
  pkg = await createServedRepo({
    root,
    name: 'naming-kit.git',
    files: {
      'dbt_project.yml': "name: naming_kit\nversion: '1.2.0'\nconfig-version: 2\n",
      'macros/alias.sql': "{% macro alias_for(x) %}{{ return('kit_' ~ x) }}{% endmacro %}",
    },
  });
  await pkg.git(['tag', '1.2.0']);
  await pkg.git(['push', '--tags', 'origin']);
  server = await startGitHttpServer({ root });
  const repo = mkdtempSync(join(tmpdir(), 'backflow-dbt-pkg-repo-'));
  await createWorkRepo(repo, {
    branch: 'main',
    files: {
      'dbt_project.yml': "name: shop\nversion: '1.0'\nconfig-version: 2\n",
      'packages.yml': `packages:\n  - git: "${server.url('naming-kit.git')}"\n    revision: 1.2.0\n`,
      'models/orders.sql': "{{ config(alias=naming_kit.alias_for('orders')) }}\nselect 1 as order_id\n",
    },
  });
  dir = scratchDir('backflow-dbt-pkg-');
  writeConfig(dir, {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    git_syncs: {
      analytics: { source: 'warehouse', repository: repo, branch: 'main', default_schema: 'analytics' },
    },
    models: {
      orders: {
        source: 'warehouse',
        name: 'Orders',
        dbt_model: { git_sync: 'analytics', name: 'orders' },
        primary_key: 'order_id',
      },
    },
  });
});

afterAll(async () => {
  await server?.stop();
  pkg?.remove();
  await db?.drop();
});

it('plan does not fetch from a non-public host and says so; apply fetches; plan then reads the cache', async () => {
  const planned = await cli(['plan']);
  expect(server.requests).toEqual([]);
  expect(planned.code).toBe(1);
  expect(planned.output).toMatch(
    /git_sync\.analytics: packages\.yml line 2: package http:\/\/127\.0\.0\.1:\d+\/naming-kit\.git@1\.2\.0 is not fetched by plan: its host 127\.0\.0\.1 is not a public Git host, and a pull request may name any URL; apply fetches it \(or plan --trust-new-endpoints\)/,
  );
  expect(planned.output).toMatch(/model\.orders: the relation of dbt model "?orders"? cannot be resolved/);
  expect(planned.output).toMatch(/"naming_kit" is not known/);
  expect(planned.output).toMatch(/Not installed from packages\.yml \(1\): packages\.yml line 2/);

  const trusted = await cli(['plan', '--trust-new-endpoints']);
  expect(trusted.code).toBe(0);
  expect(trusted.stdout).toMatch(/# \(dbt model reads analytics\.kit_orders, resolved by static/);
  expect(server.requests.length).toBeGreaterThan(0);

  const applied = await cli(['apply', '-auto-approve']);
  expect(applied.output).toContain('Apply complete!');
  expect(applied.code).toBe(0);

  const before = server.requests.length;
  const again = await cli(['plan', '-detailed-exitcode']);
  expect(again.code).toBe(0);
  expect(again.output).not.toMatch(/not fetched by plan/);
  expect(server.requests.length).toBe(before);
});
