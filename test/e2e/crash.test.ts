/**
 * kill -9 at random points of an apply, again and again, then one more apply: the workspace converges
 * with nothing duplicated or lost. Each kill leaves the lock behind (as a real crash does); the test
 * removes it with `force-unlock`, as a user would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

const MODELS = 60;
const KILLS = 15;

let db: TestDatabase;
let role: TestRole;
let dir: string;

/** Deterministic pseudo-random delays, so a failure can be replayed. */
function* delays(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield 250 + (x % 700);
  }
}

/**
 * Generation `g` of the workspace: 60 models whose SQL changes every generation, 30 more that exist only
 * in even generations (creates and deletes), and one inactive sync per model (inactive syncs let the
 * models change freely). Every round has real work for apply to be killed in the middle of.
 */
function generation(g: number): Record<string, unknown> {
  const models: Record<string, unknown> = {};
  const syncs: Record<string, unknown> = {};
  const count = g % 2 === 0 ? MODELS + 30 : MODELS;
  for (let i = 0; i < count; i++) {
    models[`m${i}`] = {
      source: 'warehouse',
      name: `M${i}`,
      query: `select id, v from analytics.t where id > ${i + g}`,
      primary_key: 'id',
    };
    syncs[`s${i}`] = {
      model: `m${i}`,
      destination: 'hook',
      enabled: false,
      schedule: { strategy: 'manual' },
    };
  }
  return {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    destinations: { hook: { type: 'webhook', url: 'https://hooks.example.com/x' } },
    models,
    syncs,
  };
}

beforeAll(async () => {
  db = await createTestDatabase('e2e_crash');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`
    create schema analytics;
    create table analytics.t (id bigint primary key, v text);
    insert into analytics.t select g, 'v' || g from generate_series(1, 100) g;
    grant usage on schema analytics to "${role.name}";
    grant select on all tables in schema analytics to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
  dir = scratchDir('backflow-crash-');
});

afterAll(async () => {
  await db?.drop();
});

async function killAfter(ms: number): Promise<void> {
  const t0 = Date.now();
  const child = startCli(['apply', '-auto-approve', '--parallelism', '2'], { cwd: dir, env: SECRETS });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
  if (process.env.CRASH_DEBUG) console.log(ms, Date.now() - t0, out.slice(-600));
}

async function unlockIfLocked(): Promise<void> {
  const lock = join(dir, '.backflow', 'state.json.lock');
  if (!existsSync(lock)) return;
  const { id } = JSON.parse(readFileSync(lock, 'utf8')) as { id: string };
  const r = await runCli(['force-unlock', id], { cwd: dir });
  expect(r.code).toBe(0);
}

it(`converges after ${KILLS} kill -9s at random points of an apply`, async () => {
  const journal = join(dir, '.backflow', 'state.json.journal');
  let interruptedWithJournal = 0;
  const gen = delays(42);
  for (let i = 0; i < KILLS; i++) {
    writeConfig(dir, generation(i));
    await killAfter(gen.next().value);
    if (existsSync(journal) && readFileSync(journal, 'utf8').split('\n').filter(Boolean).length > 1)
      interruptedWithJournal++;
    await unlockIfLocked();
  }
  // The test only means something if some kills landed mid-apply, with actions journaled.
  expect(interruptedWithJournal).toBeGreaterThan(0);

  const last = 2 * KILLS + 1; // odd: the 30 extra models must be gone again
  writeConfig(dir, generation(last));
  const final = await runCli(['apply', '-auto-approve'], { cwd: dir, env: SECRETS });
  expect(final.stderr).toBe('');
  expect(final.code).toBe(0);
  const again = await runCli(['plan', '-detailed-exitcode'], { cwd: dir, env: SECRETS });
  expect(again.stdout).toContain('No changes. Your workspace matches the configuration.');
  expect(again.code).toBe(0);

  const state = JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
  const addresses = Object.keys(state.resources);
  expect(addresses).toHaveLength(2 + 2 * MODELS);
  expect(new Set(addresses).size).toBe(addresses.length);
  const tables = await db.query<{ n: string }>(
    `select count(*) as n from information_schema.tables where table_schema = '__segment_reverse_etl' and table_name like 'snapshot_m%'`,
  );
  expect(Number(tables[0].n)).toBe(MODELS);
  expect(existsSync(journal)).toBe(false);
}, 240000);
