/**
 * kill -9 at random points of an apply, again and again, then one more apply: the workspace converges with
 * nothing duplicated or lost, and the state's history stays intact. Written once, run for each backend:
 *
 *   local  each kill leaves the lock file behind (as a real crash does); the test removes it with
 *          `force-unlock`, as a user would;
 *   pg     the advisory lock dies with the killed process's session: the test checks it is free again
 *          without anyone unlocking it.
 *
 * Rounds: `BACKFLOW_CRASH_ROUNDS` (the full run is 50), else the count the test file passes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { PgBackend } from '../../src/state/pg-backend';
import { workspaceLockKey, advisoryHolders } from '../../src/state/pg-lock';
import { pgTables } from '../../src/state/pg-schema';
import { parseState } from '../../src/state/state';
import { runCli, startCli, expectNoErrorOutput } from './cli';
import { createTestDatabase, seedAnalyticsTable, uniqueName, type TestDatabase, type TestRole } from './pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from './workspace';
import { waitFor } from './wait';

const MODELS = 60;

export interface CrashOptions {
  backend: 'local' | 'pg';
  /** Kills in `npm test`; BACKFLOW_CRASH_ROUNDS overrides. */
  kills: number;
}

/** Deterministic pseudo-random delays, so a failure can be replayed. */
function* delays(seed: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    yield 250 + (x % 700);
  }
}

export function describeCrashConvergence({ backend, kills: defaultKills }: CrashOptions): void {
  const kills = Number(process.env.BACKFLOW_CRASH_ROUNDS ?? defaultKills);
  let db: TestDatabase;
  let role: TestRole;
  let dir: string;
  let admin: Client;
  const schema = uniqueName('crash_state');
  const workspace = 'prod';
  const env = (): NodeJS.ProcessEnv => ({ ...SECRETS, STATE_URL: db.url });

  /**
   * Generation `g` of the workspace: 60 models whose SQL changes every generation, 30 more that exist only in
   * even generations (creates and deletes), and one inactive sync per model (inactive syncs let the models
   * change freely). Every round has real work for apply to be killed in the middle of.
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
    const config: Record<string, unknown> = {
      sources: { warehouse: sourceConfig(role.settings, role.name) },
      destinations: { hook: { type: 'webhook', url: 'https://hooks.example.com/x' } },
      models,
      syncs,
    };
    if (backend === 'pg')
      config.backend = { type: 'pg', connection_string: { env: 'STATE_URL' }, schema, workspace };
    return config;
  }

  beforeAll(async () => {
    db = await createTestDatabase(`e2e_crash_${backend}`);
    role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
    await seedAnalyticsTable(db, role, 100);
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    dir = scratchDir(`backflow-crash-${backend}-`);
  });

  afterAll(async () => {
    await admin?.end();
    await db?.drop();
  });

  /**
   * Starts an apply and kills it: `at.ms` after it starts (anywhere: startup, lock, refresh, apply, the
   * final write), or, with `at.afterProgress`, that long after its first apply progress line (surely
   * mid-apply, however slow the machine).
   */
  async function kill(at: { ms: number; afterProgress: boolean }): Promise<void> {
    const t0 = Date.now();
    const child = startCli(['apply', '-auto-approve', '--parallelism', '2'], { cwd: dir, env: env() });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number): void => {
      timer ??= setTimeout(() => child.kill('SIGKILL'), ms);
    };
    child.stdout!.on('data', (d) => {
      out += d;
      if (at.afterProgress && /: (Creating|Modifying|Destroying)\.\.\./.test(out)) arm(at.ms);
    });
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    if (!at.afterProgress) arm(at.ms);
    await exited;
    clearTimeout(timer);
    if (process.env.CRASH_DEBUG) {
      const journaled = await journaledActions();
      console.log(at, Date.now() - t0, journaled, out.slice(-200));
      require('node:fs').appendFileSync('/tmp/crash-trace.log', `\n=== round ms=${at.ms}\n${out}\n`);
    }
  }

  /** Finished actions of the interrupted apply, as recorded by the backend. */
  async function journaledActions(): Promise<number> {
    if (backend === 'local') {
      const journal = join(dir, '.backflow', 'state.json.journal');
      if (!existsSync(journal)) return 0;
      return readFileSync(journal, 'utf8').split('\n').filter(Boolean).length - 1;
    }
    const t = pgTables(schema);
    const exists = await admin.query('select to_regclass($1) as t', [t.journal]);
    if (exists.rows[0].t === null) return 0;
    const r = await admin.query(`select count(*) as n from ${t.journal} where workspace = $1 and seq > 0`, [
      workspace,
    ]);
    return Number(r.rows[0].n);
  }

  /** local: what a user does after a crash. pg: nothing to do, and the test checks that. */
  async function afterKill(): Promise<void> {
    if (backend === 'local') {
      const lock = join(dir, '.backflow', 'state.json.lock');
      if (!existsSync(lock)) return;
      const { id } = JSON.parse(readFileSync(lock, 'utf8')) as { id: string };
      const r = await runCli(['force-unlock', '-force', id], { cwd: dir });
      expect(r.code).toBe(0);
      return;
    }
    // The killed process's session ends, and its advisory lock with it (a stale lock row may stay).
    const key = workspaceLockKey(schema, workspace);
    await waitFor(
      'the killed process no longer holds the advisory lock',
      async () => (await advisoryHolders(admin, key)).length === 0,
    );
  }

  /** Every kept version parses, all of one lineage, serials without gaps ending at the current one. */
  async function expectHistoryIntact(currentSerial: number, lineage: string): Promise<void> {
    if (backend === 'local') {
      const backup = join(dir, '.backflow', 'state.json.backup');
      // The first write has nothing to back up.
      expect(existsSync(backup)).toBe(currentSerial > 1);
      if (currentSerial === 1) return;
      const previous = parseState(readFileSync(backup, 'utf8'), backup);
      expect(previous.lineage).toBe(lineage);
      expect(previous.serial).toBe(currentSerial - 1);
      return;
    }
    const b = new PgBackend({ connection_string: db.url, schema, workspace });
    try {
      const history = await b.history();
      expect(history.map((v) => v.serial)).toEqual(
        Array.from({ length: currentSerial }, (_, i) => currentSerial - i),
      );
      for (const v of history) {
        expect(v.lineage).toBe(lineage);
        expect((await b.readVersion(v.serial))!.serial).toBe(v.serial);
      }
    } finally {
      await b.close();
    }
  }

  async function currentState(): Promise<{
    serial: number;
    lineage: string;
    resources: Record<string, unknown>;
  }> {
    if (backend === 'local') return JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
    const b = new PgBackend({ connection_string: db.url, schema, workspace });
    try {
      return (await b.read())!;
    } finally {
      await b.close();
    }
  }

  it(
    `converges after ${kills} kill -9s at random points of an apply (${backend} backend)`,
    async () => {
      let interruptedWithJournal = 0;
      const gen = delays(42);
      for (let i = 0; i < kills; i++) {
        writeConfig(dir, generation(i));
        const ms = gen.next().value;
        await kill(i % 2 === 0 ? { ms, afterProgress: false } : { ms: ms - 250, afterProgress: true });
        if ((await journaledActions()) > 0) interruptedWithJournal++;
        await afterKill();
      }
      // The test only means something if some kills landed mid-apply, with actions journaled.
      expect(interruptedWithJournal).toBeGreaterThan(0);

      const last = 2 * kills + 1; // odd: the 30 extra models must be gone again
      writeConfig(dir, generation(last));
      const final = await runCli(['apply', '-auto-approve'], { cwd: dir, env: env() });
      expectNoErrorOutput(final.stderr);
      expect(final.code).toBe(0);
      const again = await runCli(['plan', '-detailed-exitcode'], { cwd: dir, env: env() });
      expect(again.stdout).toContain('No changes. Your infrastructure matches the configuration.');
      expect(again.code).toBe(0);

      const state = await currentState();
      const addresses = Object.keys(state.resources);
      expect(addresses).toHaveLength(2 + 2 * MODELS);
      expect(new Set(addresses).size).toBe(addresses.length);
      const tables = await db.query<{ t: string }>(
        `select table_name as t from information_schema.tables where table_schema = '__segment_reverse_etl' and table_name like 'snapshot_m%'`,
      );
      // Name the orphans (tables no model in state owns), so a failure says which object leaked.
      const owned = new Set(
        addresses.filter((a) => a.startsWith('model.')).map((a) => `snapshot_${a.slice(6)}`),
      );
      expect(tables.map((r) => r.t).filter((t) => !owned.has(t))).toEqual([]);
      expect(tables).toHaveLength(MODELS);
      expect(await journaledActions()).toBe(0);
      await expectHistoryIntact(state.serial, state.lineage);
      if (process.env.CRASH_DEBUG)
        console.log(`${backend}: ${interruptedWithJournal}/${kills} rounds left journaled actions behind`);
    },
    240000 + kills * 4000,
  );
}
