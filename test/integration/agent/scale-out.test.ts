/**
 * Two agent processes on one database, 200 scheduled runs (200 syncs, one daily slot each, staggered five
 * minutes apart on a clock running 6,000 times real time), one agent killed with SIGKILL while it has runs
 * in flight: no sync's run is lost, none outside the kill window runs twice, and the killed agent's runs
 * are taken over by the other after the lease (a run that ended just before the kill, with its job not yet
 * marked complete, is run again: at least once there, and the run ledger makes the real second run a
 * no-op). The run function is a counting fake (the real runSync is exercised by the run engine's suites).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StateFile } from '../../../src/state/types';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';

const SYNCS = 200;
const LEASE_SECONDS = 3;

function state(): StateFile {
  const resources: StateFile['resources'] = {};
  for (let i = 0; i < SYNCS; i++) {
    const minutes = (i + 1) * 5;
    resources[`sync.s${i}`] = {
      type: 'sync',
      name: `s${i}`,
      attributes: {
        model: 'model.m',
        destination: 'destination.d',
        schedule: {
          strategy: 'cron',
          expression: `${minutes % 60} ${Math.floor(minutes / 60)} * * *`,
          timezone: 'UTC',
        },
      },
      computed: {},
      dependencies: [],
    };
  }
  return { format_version: 1, backflow_version: 't', lineage: 'scaleout', serial: 1, salt: '00', resources };
}

async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('agent scale-out', () => {
  let db: TestDatabase;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('agent_scale');
    await db.query(
      `create table exec_log (sync text, agent text, run_id text, phase text, at timestamptz default clock_timestamp())`,
    );
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await db.drop();
  });

  it('runs 200 scheduled runs exactly once across two agents, one killed midway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-agent-'));
    const stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify(state()));
    const realStart = Date.now() + 10_000; // both agents are up (a few seconds on a busy machine) before the clock starts
    const common = {
      ...process.env,
      DATABASE_URL: db.url,
      STATE_FILE: stateFile,
      REAL_START: String(realStart),
      FAKE_START: String(Date.parse('2026-03-01T00:00:00Z')),
      FAKE_END: String(Date.parse('2026-03-01T18:00:00Z')),
      SPEED: '6000',
      RUN_MS: '150',
      LEASE_SECONDS: String(LEASE_SECONDS),
    };
    const start = (name: string) => {
      const c = spawn(
        process.execPath,
        [
          '-r',
          require.resolve('../../helpers/loopback-guard.js'),
          require.resolve('../../helpers/agent-worker.js'),
        ],
        {
          env: { ...common, AGENT_NAME: name },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      children.push(c);
      let err = '';
      c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      return new Promise<ChildProcess>((resolve, reject) => {
        c.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(c));
        c.on('exit', (code) => reject(new Error(`agent ${name} exited ${code}: ${err}`)));
      });
    };
    // The first agent creates the schemas; the second joins.
    const a = await start('a');
    const b = await start('b');
    const q = async (sql: string) => (await db.query<{ n: string }>(sql))[0].n;

    // Kill agent a while it has runs in flight, after a fair share of the work, once it has finished some
    // itself (on a loaded CI machine b once finished the first 60 while a's first runs were still going).
    await until('agent a to be mid-run', async () => {
      const finished = Number(await q(`select count(*) as n from exec_log where phase = 'finish'`));
      const finishedByA = Number(
        await q(`select count(*) as n from exec_log where phase = 'finish' and agent = 'a'`),
      );
      const inFlight = Number(
        await q(`select count(*) as n from exec_log s where agent = 'a' and phase = 'start'
                  and not exists (select 1 from exec_log f where f.run_id = s.run_id and f.phase = 'finish')`),
      );
      return finished >= 60 && finishedByA > 0 && inFlight > 0;
    });
    a.kill('SIGKILL');
    const killedAt = new Date();

    try {
      await until(
        'every sync to finish',
        async () =>
          Number(await q(`select count(distinct sync) as n from exec_log where phase = 'finish'`)) === SYNCS,
      );
    } catch (err) {
      const missing = await db.query(
        `select j.singleton_key, j.state, j.retry_count, j.output, j.start_after, j.started_on from backflow_queue.job j
          where j.singleton_key not in (select sync from exec_log where phase = 'finish')`,
      );
      const cursors = await db.query(
        `select c.sync, to_timestamp(c.last_slot_ms / 1000.0) as last, (select json_agg(e) from exec_log e where e.sync = c.sync) as log,
                (select json_agg(a.state) from backflow_queue.archive a where a.singleton_key = c.sync) as archived
           from backflow_agent.schedule_cursor c where c.sync not in (select sync from exec_log where phase = 'finish')`,
      );
      throw new Error(`${String(err)}: ${JSON.stringify({ missing, cursors })}`);
    }
    // Leave time for any duplicate to show up: a lease and a retry delay.
    await new Promise((r) => setTimeout(r, 5000));

    // The kill window: runs agent a had started and either not finished, or finished so shortly before
    // the kill that pg-boss may not have recorded the job complete. Those jobs stay claimed until their
    // lease expires and are run again by b (at least once: the run ledger and idempotent deliveries make
    // the real run's second execution a no-op). Every other run must have been executed exactly once.
    const windowSyncs = await db.query<{ sync: string }>(
      `select s.sync from exec_log s where s.agent = 'a' and s.phase = 'start'
          and not exists (select 1 from exec_log f where f.run_id = s.run_id and f.phase = 'finish'
                            and f.at < $1::timestamptz - interval '1 second')`,
      [killedAt],
    );
    const inWindow = new Set(windowSyncs.map((x) => x.sync));
    expect(inWindow.size).toBeGreaterThan(0);
    const executions = await db.query<{ sync: string; starts: string[]; finishes: string[] }>(
      `select sync, array_agg(agent order by at) filter (where phase = 'start') as starts,
              array_agg(agent order by at) filter (where phase = 'finish') as finishes
         from exec_log group by sync`,
    );
    // None lost: every sync's slot ran to its end.
    expect(executions).toHaveLength(SYNCS);
    for (const e of executions) {
      if (inWindow.has(e.sync) && e.starts.length === 2) {
        expect(e.starts).toEqual(['a', 'b']);
        expect(e.finishes.at(-1)).toBe('b');
      } else if (inWindow.has(e.sync)) {
        // a finished it just before the kill and its completion was recorded: not run again.
        expect({ starts: e.starts, finishes: e.finishes }).toEqual({ starts: ['a'], finishes: ['a'] });
      } else {
        // None executed twice.
        expect({ sync: e.sync, starts: e.starts.length, finishes: e.finishes?.length }).toEqual({
          sync: e.sync,
          starts: 1,
          finishes: 1,
        });
      }
    }
    // Both agents did work.
    const byA = Number(await q(`select count(*) as n from exec_log where phase = 'finish' and agent = 'a'`));
    expect(byA).toBeGreaterThan(0);
    expect(SYNCS - byA).toBeGreaterThan(0);
    // Taken over through the lease: b started each of them only after a's claim expired.
    const takenOver = executions.filter((e) => e.starts.length === 2).map((e) => e.sync);
    expect(takenOver.length).toBeGreaterThan(0);
    for (const sync of takenOver) {
      const starts = await db.query<{ agent: string; at: Date }>(
        `select agent, at from exec_log where sync = $1 and phase = 'start' order by at`,
        [sync],
      );
      expect(starts[1].at.getTime()).toBeGreaterThan(killedAt.getTime());
      expect(starts[1].at.getTime() - starts[0].at.getTime()).toBeGreaterThanOrEqual(
        LEASE_SECONDS * 1000 - 500,
      );
    }
    // One slot fired per sync: the agents' shared cursors queued each sync's slot once (a job deferred
    // because its sync was busy keeps its slot time `at`).
    const queued = await db.query<{ sync: string; n: string }>(
      `select singleton_key as sync, count(*) as n from (
         select singleton_key, data from backflow_queue.job union all select singleton_key, data from backflow_queue.archive
       ) j where data->>'trigger' = 'schedule' group by singleton_key having count(distinct data->>'at') <> 1`,
    );
    expect(queued).toEqual([]);
    b.kill('SIGTERM');
    await new Promise((r) => b.once('exit', r));
  }, 120_000);
});
