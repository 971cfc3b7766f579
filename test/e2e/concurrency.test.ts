/**
 * 20 `backflow apply` processes started at once on one pg workspace, half of them waiting for the lock
 * (`--lock-timeout`), half not. Exactly one applies the changes; the waiters then find nothing to do; the
 * others either do the same or fail naming the holder. Meanwhile a monitor samples Postgres: never more
 * than one session holds the workspace's advisory lock, and the lock row names that session. The final
 * state equals what one apply alone makes.
 */
import { Client } from 'pg';
import { PgBackend } from '../../src/state/pg-backend';
import { advisoryHolders, readLockRow, workspaceLockKey } from '../../src/state/pg-lock';
import { pgTables } from '../../src/state/pg-schema';
import type { StateFile } from '../../src/state/types';
import { runCli, type CliResult } from '../helpers/cli';
import {
  createTestDatabase,
  seedAnalyticsTable,
  uniqueName,
  type TestDatabase,
  type TestRole,
} from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

const PROCESSES = 20;
const MODELS = 4;

let db: TestDatabase;
let role: TestRole;
let admin: Client;
const schema = uniqueName('conc_state');

function config(workspace: string): Record<string, unknown> {
  const models: Record<string, unknown> = {};
  const syncs: Record<string, unknown> = {};
  for (let i = 0; i < MODELS; i++) {
    models[`m${i}`] = {
      source: 'warehouse',
      name: `M${i}`,
      query: `select id, v from analytics.t where id > ${i}`,
      primary_key: 'id',
    };
    syncs[`s${i}`] = {
      model: `m${i}`,
      destination: i % 2 === 0 ? 'crm' : 'ads',
      schedule: { strategy: 'periodic', interval: '1h' },
    };
  }
  return {
    backend: { type: 'pg', connection_string: { env: 'STATE_URL' }, schema, workspace },
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    destinations: {
      crm: {
        type: 'webhook',
        url: 'https://hooks.example.com/crm',
        headers: { Authorization: { env: 'CRM_TOKEN' } },
      },
      ads: { type: 'webhook', url: 'https://hooks.example.com/ads' },
    },
    models,
    syncs,
  };
}

beforeAll(async () => {
  db = await createTestDatabase('e2e_concurrency');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await seedAnalyticsTable(db, role, 100);
  admin = new Client({ connectionString: db.url });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

/** Samples who holds the lock until `stop()`; returns what it saw. */
function monitor(workspace: string): { stop(): Promise<{ samples: number; holders: Set<string> }> } {
  const key = workspaceLockKey(schema, workspace);
  const t = pgTables(schema);
  const holders = new Set<string>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const tables = await admin.query('select to_regclass($1) as t', [t.locks]);
      if (tables.rows[0].t !== null) {
        expect((await advisoryHolders(admin, key)).length).toBeLessThanOrEqual(1);
        // Live: the row's session holds the advisory lock (checked in the same statement).
        const row = await readLockRow(admin, t, workspace, key);
        if (row?.live) holders.add(row.info.id);
        samples++;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { samples, holders };
    },
  };
}

/** A state as compared across workspaces: no lineage, salt or secret fingerprints (keyed by the salt). */
function comparable(state: StateFile): unknown {
  return JSON.parse(JSON.stringify(state.resources), (key, value) => (key === 'fingerprint' ? '' : value));
}

async function readState(workspace: string): Promise<{ state: StateFile; versions: number }> {
  const b = new PgBackend({ connection_string: db.url, schema, workspace });
  try {
    return { state: (await b.read())!, versions: (await b.history()).length };
  } finally {
    await b.close();
  }
}

it(`lets ${PROCESSES} concurrent applies through one at a time, and ends where one apply ends`, async () => {
  const dir = scratchDir('backflow-concurrency-');
  writeConfig(dir, config('prod'));
  const env = { ...SECRETS, STATE_URL: db.url };
  const watch = monitor('prod');
  const runs: { waits: boolean; result: Promise<CliResult> }[] = [];
  for (let i = 0; i < PROCESSES; i++) {
    const waits = i % 2 === 0;
    const args = ['apply', '-auto-approve', ...(waits ? ['--lock-timeout', '90s'] : [])];
    runs.push({ waits, result: runCli(args, { cwd: dir, env }) });
  }
  const results = await Promise.all(runs.map(async (r) => ({ waits: r.waits, ...(await r.result) })));
  const seen = await watch.stop();

  const total = 2 + 1 + 2 * MODELS; // destinations, source, models, syncs
  const appliers = results.filter((r) => r.stdout.includes('Apply complete!'));
  expect(appliers).toHaveLength(1);
  expect(appliers[0].stdout).toContain(`Apply complete! Resources: ${total} added, 0 changed, 0 destroyed.`);

  const noChanges = results.filter((r) => r.code === 0 && r.stdout.includes('No changes.'));
  const lockErrors = results.filter((r) => r.code === 1);
  expect(appliers.length + noChanges.length + lockErrors.length).toBe(PROCESSES);
  // Everyone who waited got its turn; only those that did not wait may fail, and only on the lock.
  expect(lockErrors.every((r) => !r.waits)).toBe(true);
  for (const r of lockErrors) {
    expect(r.stderr).toMatch(/Error acquiring the state lock/);
    expect(r.stderr).toMatch(/Who: {7}.+@.+ \(pid \d+\)/);
    expect(r.stderr).toMatch(/Operation: apply/);
    expect(r.stderr).not.toMatch(/Refusing to write|already at serial|does not belong/);
  }
  if (process.env.CONCURRENCY_DEBUG) {
    const counts = { applied: appliers.length, noChanges: noChanges.length, lockErrors: lockErrors.length };
    console.log({ ...counts, samples: seen.samples, distinctHolders: seen.holders.size });
  }
  expect(lockErrors.length).toBeGreaterThan(0); // the lock was contended, not merely taken in turn
  expect(seen.samples).toBeGreaterThan(10);
  expect(seen.holders.size).toBeGreaterThan(1);

  // Only the one apply wrote: one version, holding everything.
  const concurrent = await readState('prod');
  expect(concurrent.versions).toBe(1);
  expect(Object.keys(concurrent.state.resources)).toHaveLength(total);

  // A single apply of the same config, alone, in a workspace of its own.
  const alone = scratchDir('backflow-concurrency-alone-');
  writeConfig(alone, config('reference'));
  const single = await runCli(['apply', '-auto-approve'], { cwd: alone, env });
  expect(single.code).toBe(0);
  expect(comparable(concurrent.state)).toEqual(comparable((await readState('reference')).state));
}, 180000);
