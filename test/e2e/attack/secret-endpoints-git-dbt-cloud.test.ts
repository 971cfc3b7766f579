/**
 * Attack: a pull request points a Git sync's repository, or a dbt Cloud link's access URL, at a server of
 * its choosing while reusing the token CI holds. `plan` must send neither the Git token nor the dbt Cloud
 * API key there: recording servers on other loopback ports must see no request at all. The applied
 * endpoints are still read; apply (after review) and `plan --trust-new-endpoints` do connect, and the
 * recorders then see the secrets — proof that they would notice a leak.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../../helpers/cli';
import { startGitHttpServer, type GitHttpServer } from '../../helpers/git-http-server';
import { createServedRepo, type ServedRepo } from '../../helpers/git-repo';
import { createTestDatabase, type TestDatabase, type TestRole } from '../../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../../helpers/workspace';
import { sampleWorld, startDbtCloudServer, type DbtCloudTestServer } from '../../servers/dbtcloud/server';

const GIT_TOKEN = 'gtok-Hn4-git-secret-7711';
const DBT_KEY = 'dbtc_Rw2-endpoint-key-9042';
const ENV = { ...SECRETS, GIT_TOKEN, DBT_CLOUD_API_KEY: DBT_KEY };

interface Recorder {
  url: string;
  /** The Authorization header of every request received (undefined when none). */
  seen: (string | undefined)[];
  server: Server;
}

async function recorder(): Promise<Recorder> {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, server };
}

let db: TestDatabase;
let role: TestRole;
let gitServer: GitHttpServer;
let repo: ServedRepo;
let dbtCloud: DbtCloudTestServer;
let evil: Recorder;
let dir: string;

function config(change: (c: Record<string, any>) => void = () => undefined): Record<string, any> {
  const c: Record<string, any> = {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    git_syncs: {
      analytics: {
        source: 'warehouse',
        service: 'generic',
        protocol: 'https',
        repository: gitServer.url('shop.git'),
        credentials: { token: { env: 'GIT_TOKEN' } },
        branch: 'main',
        default_schema: 'analytics',
      },
    },
    dbt_cloud: {
      main: { account_id: 1234, access_url: dbtCloud.url, api_key: { env: 'DBT_CLOUD_API_KEY' } },
    },
  };
  change(c);
  return c;
}

async function cli(args: string[]): Promise<CliResult> {
  const r = await runCli(args, { cwd: dir, env: ENV });
  expect(r.output).not.toContain(GIT_TOKEN);
  expect(r.output).not.toContain(DBT_KEY);
  return r;
}

beforeAll(async () => {
  db = await createTestDatabase('attack_endpoints_git');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`grant create, temporary on database "${db.name}" to "${role.name}"`);
  const root = mkdtempSync(join(tmpdir(), 'backflow-endpoints-git-'));
  repo = await createServedRepo({
    root,
    name: 'shop.git',
    files: {
      'dbt_project.yml': "name: shop\nversion: '1.0'\nmodel-paths: ['models']\n",
      'models/customers.sql': 'select 1 as customer_id\n',
    },
  });
  gitServer = await startGitHttpServer({ root, auth: { username: 'git', password: GIT_TOKEN } });
  dbtCloud = await startDbtCloudServer(sampleWorld(DBT_KEY));
  evil = await recorder();
  dir = scratchDir('backflow-endpoints-git-');
  writeConfig(dir, config());
  const applied = await cli(['apply', '-auto-approve']);
  expect(applied.code).toBe(0);
});

afterAll(async () => {
  await new Promise((r) => evil?.server.close(r));
  await gitServer?.stop();
  await dbtCloud?.stop();
  repo?.remove();
  await db?.drop();
});

test('the applied repository and access URL are still read by plan', async () => {
  writeConfig(dir, config());
  const git = gitServer.requests.length;
  const cloud = dbtCloud.requests.length;
  const plan = await cli(['plan', '-detailed-exitcode']);
  expect(plan.output).not.toContain('not contacted');
  expect(plan.code).toBe(0);
  expect(gitServer.requests.length).toBeGreaterThan(git);
  expect(dbtCloud.requests.length).toBeGreaterThan(cloud);
});

test('a repository moved to another port is planned without fetching; the token goes nowhere', async () => {
  writeConfig(
    dir,
    config((c) => (c.git_syncs.analytics.repository = `${evil.url}/shop.git`)),
  );
  const plan = await cli(['plan', '-detailed-exitcode']);
  expect(plan.output).toContain('git_sync.analytics: not contacted by plan');
  expect(plan.output).toContain('env GIT_TOKEN');
  expect(plan.output).toContain('plan --trust-new-endpoints');
  expect(plan.code).toBe(2);
  expect(evil.seen).toEqual([]);
});

test('a new Git sync reusing the token elsewhere is planned without fetching', async () => {
  writeConfig(
    dir,
    config((c) => {
      c.git_syncs.other = { ...c.git_syncs.analytics, repository: `${evil.url}/other.git` };
    }),
  );
  const plan = await cli(['plan', '-detailed-exitcode']);
  expect(plan.output).toContain('git_sync.other: not contacted by plan');
  expect(plan.output).not.toContain('git_sync.analytics: not contacted');
  expect(plan.code).toBe(2);
  expect(evil.seen).toEqual([]);
});

test('an access URL moved to another port is planned without asking dbt Cloud; the key goes nowhere', async () => {
  writeConfig(
    dir,
    config((c) => (c.dbt_cloud.main.access_url = evil.url)),
  );
  const plan = await cli(['plan', '-detailed-exitcode']);
  expect(plan.output).toContain('dbt_cloud.main: not contacted by plan');
  expect(plan.output).toContain('env DBT_CLOUD_API_KEY');
  expect(plan.code).toBe(2);
  expect(evil.seen).toEqual([]);
});

test('with --trust-new-endpoints the recorder does receive both secrets (the harness sees leaks)', async () => {
  writeConfig(
    dir,
    config((c) => {
      c.git_syncs.analytics.repository = `${evil.url}/shop.git`;
      c.dbt_cloud.main.access_url = evil.url;
    }),
  );
  const plan = await cli(['plan', '--trust-new-endpoints']);
  expect(plan.code).toBe(1);
  const basic = `Basic ${Buffer.from(`git:${GIT_TOKEN}`).toString('base64')}`;
  expect(evil.seen).toContain(basic);
  expect(evil.seen.some((h) => h?.includes(DBT_KEY))).toBe(true);
  evil.seen.length = 0;
});
