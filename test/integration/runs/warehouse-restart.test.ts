/**
 * The warehouse crashes and restarts (`pg_ctl restart -m immediate`) in the middle of a run's delivery.
 * The run stops with a clear reason; the next run delivers every row that was not recorded as accepted,
 * so the destination ends equal to the model, with re-sends only of batches in flight at the crash (same
 * idempotency keys). The warehouse is a cluster of its own, so no other test file is disturbed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { runSync, type RunRequest } from '../../../src/runs';
import { LocalRunLocks } from '../../../src/runs/run-lock';
import { startPostgres, type PostgresServer } from '../../helpers/postgres-server';
import { startWebhookServer, type WebhookServer } from '../../servers/webhook/webhook-server';
import { runState } from './run-state';

let server: PostgresServer;
let hook: WebhookServer;

beforeAll(async () => {
  [server, hook] = await Promise.all([startPostgres(), startWebhookServer()]);
  const c = new Client({ connectionString: server.url });
  await c.connect();
  await c.query(`create table t (id int primary key, email text, name text, score int)`);
  await c.query(`insert into t select g, 'u' || g || '@x.com', 'n' || g, g from generate_series(1, 2000) g`);
  await c.query(`create schema bf`);
  await c.end();
}, 60000);

afterAll(async () => {
  await hook?.close();
  await server?.stop();
});

it('a warehouse restart mid-run stops the run; the next run delivers everything not recorded', async () => {
  const settings = {
    host: server.host,
    port: server.port,
    database: 'postgres',
    user: server.user,
    sslmode: 'disable' as const,
  };
  const request = (): RunRequest => ({
    state: runState({
      settings,
      url: hook.url,
      query: 'select id, email, name, score from t',
      columns: ['id', 'email', 'name', 'score'],
      schema: 'bf',
      destination: { type: 'webhook', url: hook.url, headers: {}, batch_size: 20, max_in_flight: 1 },
    }),
    sync: 'users_to_hook',
    configDir: '/tmp',
    locks: new LocalRunLocks(mkdtempSync(join(tmpdir(), 'backflow-restart-'))),
    trigger: 'manual',
    retryPolicy: { baseMs: 1, maxWaitMs: 20, maxRateLimitedMs: 1000 },
  });
  // Slow the receiver so the crash lands mid-delivery.
  for (let i = 0; i < 200; i += 1) hook.faults.push({ stallMs: 10 });
  let commits = 0;
  let crash: Promise<void> | undefined;
  const first = await runSync({
    ...request(),
    events: {
      onProgress: () => {
        commits += 1;
        if (commits === 5) crash = server.crashRestart();
      },
    },
  }).catch((err: Error) => err);
  await crash;
  hook.faults.length = 0;
  if (first instanceof Error) {
    expect(first.message).toMatch(/terminat|connect|shut ?down|shutting down|starting up|closed/i);
  } else {
    expect(first.run.status).toBe('failed');
    expect(first.run.error).toMatch(
      // Postgres answers "the database system is starting up" / "... is shutting down" while it restarts.
      /recording delivered rows failed|reading the run's plan failed|terminat|connect|starting up|shutting down/i,
    );
  }
  const received = hook.unique.size;
  expect(received).toBeGreaterThanOrEqual(100);
  expect(received).toBeLessThan(2000);

  // The next runs converge: a run left `running` is resumed (its unlogged plan was emptied by the crash),
  // then a fresh plan finds every row not recorded as accepted.
  for (let i = 0; i < 3; i += 1) {
    const r = await runSync(request());
    if (r.run.status === 'succeeded' && r.run.planned.add + r.run.planned.change === 0) break;
  }
  const c = new Client({ connectionString: server.url });
  await c.connect();
  const rows = (await c.query<{ id: number; email: string; name: string; score: number }>('select * from t'))
    .rows;
  await c.end();
  const current = hook.current();
  expect(current.size).toBe(2000);
  for (const row of rows) expect(current.get(String(row.id))).toEqual(row);
  // Re-sends are only rows sent but not yet recorded when the warehouse died (same keys): a few batches,
  // never the whole model.
  expect(hook.duplicates).toBeLessThanOrEqual(200);
}, 120000);
