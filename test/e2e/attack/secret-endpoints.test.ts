/**
 * Attack: a pull request points a source (or a new one) at a host of its choosing, reusing the secret
 * reference CI holds. `plan` must not send the password there: the fake server asks for it in cleartext,
 * and must see no connection at all. `apply` (after review) and `plan --trust-new-endpoints` do connect.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../../helpers/workspace';
import { startFakePostgres, type FakePostgres } from './fake-postgres';

const PG_FALLBACK = 'pgpass-Vb5-fallback-secret-5150';
let db: TestDatabase;
let role: TestRole;
let fake: FakePostgres;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('attack_endpoints');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`grant create, temporary on database "${db.name}" to "${role.name}"`);
  fake = await startFakePostgres();
  dir = scratchDir();
  writeConfig(dir, { sources: { warehouse: sourceConfig(role.settings, role.name) } });
  const applied = await runCli(['apply', '-auto-approve'], { cwd: dir, env: SECRETS });
  expect(applied.code).toBe(0);
});

afterAll(async () => {
  await fake.close();
  await db.drop();
});

function attacked(change: (c: Record<string, any>) => void): void {
  const config: Record<string, any> = { sources: { warehouse: sourceConfig(role.settings, role.name) } };
  change(config);
  writeConfig(dir, config);
}

test('a changed host is planned without connecting', async () => {
  attacked((c) => (c.sources.warehouse.settings.port = fake.port));
  const plan = await runCli(['plan', '-detailed-exitcode'], { cwd: dir, env: SECRETS });
  expect(plan.output).toContain('source.warehouse: not contacted by plan');
  expect(plan.output).toContain('plan --trust-new-endpoints');
  expect(plan.code).toBe(2);
  expect(fake.connections).toBe(0);
  expect(plan.output).not.toContain(SECRETS.WAREHOUSE_PASSWORD);
});

test('a new source reusing the secret is planned without connecting; models wait for apply', async () => {
  attacked((c) => {
    c.sources.evil = sourceConfig({ ...role.settings, port: fake.port }, role.name);
    c.models = { m: { source: 'evil', name: 'm', query: 'select 1 as id', primary_key: 'id' } };
  });
  const plan = await runCli(['plan', '-detailed-exitcode'], { cwd: dir, env: SECRETS });
  expect(plan.output).toContain('source.evil: not contacted by plan');
  expect(plan.output).not.toContain('source.warehouse: not contacted');
  expect(plan.code).toBe(2);
  expect(fake.connections).toBe(0);
});

test('the same reference at the applied endpoint is still read; --trust-new-endpoints connects anywhere', async () => {
  attacked((c) => (c.sources.warehouse.settings.statement_timeout_ms = 5000));
  const same = await runCli(['plan'], { cwd: dir, env: SECRETS });
  expect(same.output).not.toContain('not contacted');
  expect(same.code).toBe(0);

  // The harness can see a leak: with the guard off, the fake server receives the password.
  attacked((c) => (c.sources.warehouse.settings.port = fake.port));
  const trusting = await runCli(['plan', '--trust-new-endpoints'], { cwd: dir, env: SECRETS });
  expect(trusting.code).toBe(1);
  expect(fake.passwords).toEqual([SECRETS.WAREHOUSE_PASSWORD]);
});

test("the pg state backend sends only its connection string's password, never PGPASSWORD, to its host", async () => {
  // A pull request's backend points at a host of its choosing with no password in the URL, hoping the
  // driver falls back to the PGPASSWORD CI exports for its real state database.
  const pr = scratchDir();
  writeFileSync(join(pr, 'state-url.txt'), `postgres://ci@127.0.0.1:${fake.port}/state`);
  writeConfig(pr, {
    backend: { type: 'pg', connection_string: { file: 'state-url.txt' } },
    sources: { warehouse: sourceConfig(role.settings, role.name) },
  });
  const before = fake.connections;
  const plan = await runCli(['plan'], { cwd: pr, env: { ...SECRETS, PGPASSWORD: PG_FALLBACK } });
  expect(plan.code).toBe(1);
  expect(fake.connections).toBeGreaterThan(before); // it did reach the host its own secret names
  expect(fake.passwords).not.toContain(PG_FALLBACK);
  expect(plan.output).not.toContain(PG_FALLBACK);
});

test('a new source with no password secret (so plan contacts it) never gets PGPASSWORD', async () => {
  attacked((c) => {
    const evil = sourceConfig({ ...role.settings, port: fake.port }, role.name) as any;
    delete evil.settings.password;
    c.sources.evil = evil;
  });
  const before = fake.connections;
  const plan = await runCli(['plan'], { cwd: dir, env: { ...SECRETS, PGPASSWORD: PG_FALLBACK } });
  expect(plan.code).toBe(1);
  expect(fake.connections).toBeGreaterThan(before);
  expect(fake.passwords).not.toContain(PG_FALLBACK);
});
