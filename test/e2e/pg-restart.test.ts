/**
 * The state database restarts (crash and recovery: `pg_ctl restart -m immediate`) in the middle of an apply.
 * The apply fails cleanly (exit 1, a message, no stack trace), the lock is gone with the session that held
 * it, and the next apply, with no force-unlock, converges. The state lives on a cluster of its own, so
 * restarting it disturbs no other test file; the warehouse stays on the harness's cluster.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PgBackend } from '../../src/state/pg-backend';
import { runCli, startCli, expectNoErrorOutput } from '../helpers/cli';
import { createTestDatabase, seedAnalyticsTable, type TestDatabase, type TestRole } from '../helpers/pg';
import { startPostgres } from '../helpers/postgres-server';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';
import { refused, waitFor } from '../helpers/wait';

const MODELS = 40;
const execFileAsync = promisify(execFile);

let db: TestDatabase;
let role: TestRole;
let stateServer: Awaited<ReturnType<typeof startPostgres>>;

beforeAll(async () => {
  [db, stateServer] = await Promise.all([createTestDatabase('e2e_pg_restart'), startPostgres()]);
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await seedAnalyticsTable(db, role, 100);
});

afterAll(async () => {
  await stateServer?.stop();
  await db?.drop();
});

function config(): Record<string, unknown> {
  const models: Record<string, unknown> = {};
  const syncs: Record<string, unknown> = {};
  for (let i = 0; i < MODELS; i++) {
    models[`m${i}`] = {
      source: 'warehouse',
      name: `M${i}`,
      query: `select id, v from analytics.t where id > ${i}`,
      primary_key: 'id',
    };
    syncs[`s${i}`] = { model: `m${i}`, destination: 'hook', schedule: { strategy: 'manual' } };
  }
  return {
    backend: { type: 'pg', connection_string: { env: 'STATE_URL' }, schema: 'backflow', workspace: 'prod' },
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    destinations: { hook: { type: 'webhook', url: 'https://hooks.example.com/x' } },
    models,
    syncs,
  };
}

/** Crash and restart the state's cluster (as the postgres OS user when we are root). */
async function restartStateServer(): Promise<void> {
  await pgCtl('restart', '-m', 'immediate');
}

async function pgCtl(...command: string[]): Promise<void> {
  const bin = join(stateServer.binDir, 'pg_ctl');
  const args = [...command, '-D', stateServer.dataDir, '-l', stateServer.logFile, '-w', '-t', '30', '-s'];
  const root = process.getuid?.() === 0;
  await execFileAsync(root ? 'runuser' : bin, root ? ['-u', 'postgres', '--', bin, ...args] : args);
}

it('fails an apply cleanly when the state database restarts, and the next apply converges', async () => {
  const dir = scratchDir('backflow-pg-restart-');
  writeConfig(dir, config());
  const env = { ...SECRETS, STATE_URL: stateServer.url };

  const child = startCli(['apply', '-auto-approve', '--parallelism', '2'], { cwd: dir, env });
  let stdout = '';
  let stderr = '';
  let restarted: Promise<void> | undefined;
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    // Well into the apply: several actions journaled, more to come.
    if (restarted === undefined && (stdout.match(/Creation complete/g) ?? []).length >= 5)
      restarted = restartStateServer();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(restarted).toBeDefined();
  await restarted;

  if (process.env.RESTART_DEBUG) console.log(stderr, stdout.slice(-400));
  expect(code).toBe(1);
  expect(stderr).toMatch(/^Error: /m);
  expect(stderr).toMatch(/pg state backend|state lock .* was lost/);
  expect(stderr).toMatch(/Run the command again|run the command again/);
  expect(stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
  expect(stdout).not.toContain('Apply complete!');

  // No force-unlock: the lock died with the session. The next apply folds in what was journaled.
  const next = await runCli(['apply', '-auto-approve'], { cwd: dir, env });
  expectNoErrorOutput(next.stderr);
  expect(next.code).toBe(0);
  const plan = await runCli(['plan', '-detailed-exitcode'], { cwd: dir, env });
  expect(plan.stdout).toContain('No changes. Your infrastructure matches the configuration.');
  expect(plan.code).toBe(0);

  const b = new PgBackend({ connection_string: stateServer.url, schema: 'backflow', workspace: 'prod' });
  try {
    const state = (await b.read())!;
    expect(Object.keys(state.resources)).toHaveLength(2 + 2 * MODELS);
    expect((await b.readWithRecovery()).recoveredJournalEntries).toBe(0);
    const history = await b.history();
    expect(history.map((v) => v.serial)).toEqual(history.map((_, i) => history.length - i));
  } finally {
    await b.close();
  }
}, 120000);

it('says a connection was lost mid-command (not that it never worked), and reconnects once the server is back', async () => {
  const b = new PgBackend({ connection_string: stateServer.url, schema: 'backflow', workspace: 'prod' });
  try {
    expect(await b.read()).not.toBeNull();
    await pgCtl('stop', '-m', 'immediate');
    await waitFor('the server refuses connections', () => refused('127.0.0.1', stateServer.port));
    const err = await b.read().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^The connection to the pg state backend \(pg workspace "prod" .*\) was lost while this command ran .*reconnecting failed: Cannot connect/,
    );
    expect((err as { hint: string }).hint).toMatch(/run the command again once the server is back/);
    await pgCtl('start');
    expect(await b.read()).not.toBeNull();
  } finally {
    await b.close();
  }
});
