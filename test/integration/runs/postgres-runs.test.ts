/**
 * Sync runs end to end in-process on a real Postgres and the loopback webhook receiver: change tracking
 * in the warehouse, delivery in batches, commit per accepted batch, rejections, mirror removals, faults.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSync, dryRunSync, type RunRequest } from '../../../src/runs';
import { LocalRunLocks } from '../../../src/runs/run-lock';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';
import { startWebhookServer, type WebhookServer } from '../../servers/webhook/webhook-server';
import { runState, type RunStateOptions } from './run-state';

let db: TestDatabase;
let hook: WebhookServer;
const locks = new LocalRunLocks(mkdtempSync(join(tmpdir(), 'backflow-runs-')));
const fast = { baseMs: 1, maxWaitMs: 20, maxRateLimitedMs: 2000 };

beforeAll(async () => {
  db = await createTestDatabase('runs');
  hook = await startWebhookServer();
  if (db.settings.password) process.env.RUNS_TEST_PG_PASSWORD = db.settings.password;
});

afterAll(async () => {
  await hook.close();
  await db.drop();
});

beforeEach(() => hook.reset());

async function table(name: string, rows: number): Promise<void> {
  await db.query(`drop table if exists ${name}`);
  await db.query(`create table ${name} (id int primary key, email text, name text, score numeric)`);
  await db.query(
    `insert into ${name} select g, 'u' || g || '@example.com', 'User ' || g, g * 1.5 from generate_series(1, $1) g`,
    [rows],
  );
}

function request(
  o: Partial<RunStateOptions> & { table: string },
  extra: Partial<RunRequest> = {},
): RunRequest {
  const { table: t, ...rest } = o;
  return {
    state: runState({
      settings: db.settings,
      url: hook.url,
      query: `select id, email, name, score from ${t}`,
      columns: ['id', 'email', 'name', 'score'],
      schema: `bf_${t}`,
      ...rest,
    }),
    sync: rest.sync ?? 'users_to_hook',
    configDir: '/tmp',
    locks,
    trigger: 'manual',
    retryPolicy: fast,
    ...extra,
  };
}

async function ensureSchema(schema: string) {
  await db.query(`create schema if not exists ${schema}`);
}

describe('sync runs on Postgres', () => {
  it('delivers every row on the first run, only changes on the next, nothing when nothing changed', async () => {
    await table('t_basic', 250);
    await ensureSchema('bf_t_basic');
    const first = await runSync(request({ table: 't_basic' }));
    expect(first.run.status).toBe('succeeded');
    expect(first.run.planned).toEqual({ add: 250, change: 0, remove: 0, retry: 0 });
    expect(first.run.accepted.add).toBe(250);
    expect(hook.unique.size).toBe(250);
    expect(hook.current().get('7')).toEqual({
      id: 7,
      email: 'u7@example.com',
      name: 'User 7',
      score: '10.5',
    });

    hook.reset();
    const idle = await runSync(request({ table: 't_basic' }));
    expect(idle.run.status).toBe('succeeded');
    expect(idle.run.planned).toEqual({ add: 0, change: 0, remove: 0, retry: 0 });
    expect(hook.requests).toBe(0);

    await db.query(`update t_basic set email = 'changed@example.com' where id in (3, 4)`);
    await db.query(`insert into t_basic values (1000, 'new@example.com', 'New', 1)`);
    await db.query(`delete from t_basic where id = 5`);
    const next = await runSync(request({ table: 't_basic' }));
    expect(next.run.planned).toEqual({ add: 1, change: 2, remove: 0, retry: 0 });
    expect([...hook.current().keys()].sort()).toEqual(['1000', '3', '4']);
    expect(hook.duplicates).toBe(0);

    const ledger = await db.query(
      `select status, planned_add, accepted_change from bf_t_basic.backflow_runs order by started_at`,
    );
    expect(ledger.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('mirror mode removes rows that left the model, after every upsert was accepted', async () => {
    await table('t_mirror', 20);
    await ensureSchema('bf_t_mirror');
    await runSync(request({ table: 't_mirror', mode: 'mirror' }));
    await db.query(`delete from t_mirror where id <= 3`);
    await db.query(`update t_mirror set name = 'x' where id = 10`);
    hook.reset();
    const r = await runSync(request({ table: 't_mirror', mode: 'mirror' }));
    expect(r.run.planned).toEqual({ add: 0, change: 1, remove: 3, retry: 0 });
    expect(r.run.status).toBe('succeeded');
    const ops = hook.received.map((x) => `${x.op}:${x.record_id}`);
    expect(ops).toEqual(['upsert:10', 'delete:1', 'delete:2', 'delete:3']);
  });

  it('holds removals back while an upsert of the run is rejected, and sends them once it is accepted', async () => {
    await table('t_hold', 10);
    await ensureSchema('bf_t_hold');
    await runSync(request({ table: 't_hold', mode: 'mirror' }));
    await db.query(`delete from t_hold where id = 1`);
    await db.query(`update t_hold set name = 'bad' where id = 2`);
    hook.reset();
    hook.options.reject = (rec) => (rec.fields?.name === 'bad' ? 'name is not allowed' : undefined);
    const held = await runSync(request({ table: 't_hold', mode: 'mirror' }));
    expect(held.run.status).toBe('partial');
    expect(held.run.rejected.change).toBe(1);
    expect(held.run.accepted.remove).toBe(0);
    expect(held.run.error).toContain('removals held back');
    expect(hook.received.filter((x) => x.op === 'delete')).toHaveLength(0);

    hook.options.reject = undefined;
    await db.query(`update t_hold set name = 'good' where id = 2`);
    const after = await runSync(request({ table: 't_hold', mode: 'mirror' }));
    expect(after.run.planned).toEqual({ add: 0, change: 0, remove: 1, retry: 1 });
    expect(after.run.status).toBe('succeeded');
    expect(hook.current().has('1')).toBe(false);
    expect(hook.current().get('2')?.name).toBe('good');
  });

  it('rejected rows keep their old checksum, are recorded with the reason, and are retried next run', async () => {
    await table('t_reject', 30);
    await ensureSchema('bf_t_reject');
    hook.options.reject = (rec) => (Number(rec.record_id) % 10 === 0 ? 'invalid email' : undefined);
    const r = await runSync(request({ table: 't_reject' }));
    expect(r.run.status).toBe('partial');
    expect(r.run.accepted.add).toBe(27);
    expect(r.run.rejected.add).toBe(3);
    expect(r.run.error).toContain('invalid email');
    const rej = await db.query(
      `select record_id, reason from bf_t_reject.rejections_users_to_hook order by record_id`,
    );
    expect(rej).toEqual([
      { record_id: '10', reason: 'invalid email' },
      { record_id: '20', reason: 'invalid email' },
      { record_id: '30', reason: 'invalid email' },
    ]);
    hook.options.reject = undefined;
    const again = await runSync(request({ table: 't_reject' }));
    expect(again.run.planned).toEqual({ add: 0, change: 0, remove: 0, retry: 3 });
    expect(again.run.status).toBe('succeeded');
    expect(hook.current().size).toBe(30);
  });

  it('skips null keys, rejects duplicate keys without sending them, and says so', async () => {
    await db.query(`drop table if exists t_keys`);
    await db.query(`create table t_keys (id int, email text)`);
    await db.query(`insert into t_keys values (1, 'a'), (2, 'b'), (2, 'b2'), (null, 'c'), (3, 'd')`);
    await ensureSchema('bf_t_keys');
    const r = await runSync(
      request({ table: 't_keys', query: 'select id, email from t_keys', columns: ['id', 'email'] }),
    );
    expect(r.run.nullKeys).toBe(1);
    expect(r.run.duplicateKeys).toBe(1);
    expect(r.run.planned.add).toBe(2);
    expect(r.run.status).toBe('partial');
    expect([...hook.current().keys()].sort()).toEqual(['1', '3']);
    const rej = await db.query(`select record_id, reason from bf_t_keys.rejections_users_to_hook`);
    expect(rej[0].record_id).toBe('2');
    expect(rej[0].reason).toContain('duplicate primary key');
  });

  it('retries 429 (honouring Retry-After), 5xx, timeouts and dropped connections, delivering each row once', async () => {
    await table('t_faults', 100);
    await ensureSchema('bf_t_faults');
    hook.faults.push(
      { status: 429, retryAfter: '0' },
      { status: 503 },
      { dropConnection: true },
      { status: 429, retryAfter: '0' },
      { status: 500 },
    );
    const retries: string[] = [];
    const r = await runSync(
      request(
        {
          table: 't_faults',
          destination: { type: 'webhook', url: hook.url, headers: {}, batch_size: 10, max_in_flight: 2 },
        },
        { events: { onRetry: (why) => retries.push(why) } },
      ),
    );
    expect(r.run.status).toBe('succeeded');
    expect(retries.length).toBe(5);
    expect(hook.current().size).toBe(100);
    expect(hook.unique.size).toBe(100);
  });

  it('fails the run with the reason when the destination refuses the credentials; nothing is marked sent', async () => {
    await table('t_auth', 10);
    await ensureSchema('bf_t_auth');
    hook.options.authorization = 'Bearer right';
    try {
      const r = await runSync(
        request({
          table: 't_auth',
          destination: { type: 'webhook', url: hook.url, headers: { authorization: 'Bearer wrong' } },
        }),
      );
      expect(r.run.status).toBe('failed');
      expect(r.run.error).toContain('refused the credentials (HTTP 401)');
      const n = await db.query(`select count(*)::int as n from bf_t_auth.records_users_to_hook`);
      expect(n[0].n).toBe(0);
      const ok = await runSync(
        request({
          table: 't_auth',
          destination: { type: 'webhook', url: hook.url, headers: { authorization: 'Bearer right' } },
        }),
      );
      expect(ok.run.planned.add).toBe(10);
      expect(ok.run.status).toBe('succeeded');
    } finally {
      hook.options.authorization = undefined;
    }
  });

  it('fails after the retry budget when the destination keeps failing, and loses nothing', async () => {
    await table('t_down', 10);
    await ensureSchema('bf_t_down');
    for (let i = 0; i < 10; i += 1) hook.faults.push({ status: 502 });
    const r = await runSync(
      request({
        table: 't_down',
        destination: { type: 'webhook', url: hook.url, headers: {}, max_retries: 2, max_in_flight: 1 },
      }),
    );
    expect(r.run.status).toBe('failed');
    expect(r.run.error).toContain('gave up after 2 retries');
    hook.faults.length = 0;
    const again = await runSync(request({ table: 't_down' }));
    expect(again.run.planned.add).toBe(10);
    expect(hook.current().size).toBe(10);
  });

  it('an unreachable destination fails the run clearly', async () => {
    await table('t_unreach', 3);
    await ensureSchema('bf_t_unreach');
    const gone = await startWebhookServer();
    await gone.close(); // a port nobody listens on any more
    const r = await runSync(
      request({
        table: 't_unreach',
        destination: { type: 'webhook', url: gone.url, headers: {}, max_retries: 1 },
      }),
    );
    expect(r.run.status).toBe('failed');
    expect(r.run.error).toMatch(/unreachable: ECONNREFUSED/);
  });

  it('a model whose query now fails ends in a failed run naming the warehouse error', async () => {
    await table('t_broken', 3);
    await ensureSchema('bf_t_broken');
    const r = await runSync(request({ table: 't_broken', query: 'select id, email, nope from t_broken' }));
    expect(r.run.status).toBe('failed');
    expect(r.run.error).toContain('nope');
  });

  it('a mapping naming a column that is gone fails the run', async () => {
    await table('t_gone', 3);
    await ensureSchema('bf_t_gone');
    const r = await runSync(request({ table: 't_gone', mapping: { Email: 'email_address' } }));
    expect(r.run.status).toBe('failed');
    expect(r.run.error).toContain('email_address');
  });

  it('a record too large for the destination is rejected, not sent, and the rest go', async () => {
    await table('t_large', 5);
    await ensureSchema('bf_t_large');
    await db.query(`update t_large set name = repeat('x', 1100000) where id = 2`);
    const r = await runSync(request({ table: 't_large' }));
    expect(r.run.status).toBe('partial');
    expect(r.run.rejected.add).toBe(1);
    expect(r.run.error).toContain('bytes encoded');
    expect([...hook.current().keys()].sort()).toEqual(['1', '3', '4', '5']);
  });

  it('maps destination fields onto model columns', async () => {
    await table('t_map', 2);
    await ensureSchema('bf_t_map');
    await runSync(request({ table: 't_map', mapping: { Email: 'email', FullName: 'name' } }));
    expect(hook.current().get('1')).toEqual({ Email: 'u1@example.com', FullName: 'User 1' });
  });

  it('does not run a disabled sync or a sync of a disabled model, and says why', async () => {
    await expect(runSync(request({ table: 't_map', syncEnabled: false }))).rejects.toThrow(/is disabled/);
    await expect(runSync(request({ table: 't_map', modelEnabled: false }))).rejects.toThrow(
      /model.users is disabled/,
    );
  });

  it('a dry run shows counts and samples and changes nothing', async () => {
    await table('t_dry', 12);
    await ensureSchema('bf_t_dry');
    const d = await dryRunSync(request({ table: 't_dry' }), 2);
    expect(d.counts.planned.add).toBe(12);
    expect(d.samples).toHaveLength(2);
    expect(hook.requests).toBe(0);
    const runs = await db.query(`select count(*)::int as n from bf_t_dry.backflow_runs`);
    expect(runs[0].n).toBe(0);
    const real = await runSync(request({ table: 't_dry' }));
    expect(real.run.planned.add).toBe(12);
  });

  it('full resync sends every row again', async () => {
    await table('t_full', 5);
    await ensureSchema('bf_t_full');
    await runSync(request({ table: 't_full' }));
    hook.reset();
    const r = await runSync(request({ table: 't_full' }, { fullResync: true }));
    expect(r.run.planned.add).toBe(5);
    expect(hook.current().size).toBe(5);
  });

  it('a stop request lets in-flight batches finish; the next run resumes the same run', async () => {
    await table('t_stop', 200);
    await ensureSchema('bf_t_stop');
    const stop = new AbortController();
    let batches = 0;
    const first = await runSync(
      request(
        {
          table: 't_stop',
          destination: { type: 'webhook', url: hook.url, headers: {}, batch_size: 10, max_in_flight: 1 },
        },
        {
          signal: stop.signal,
          events: {
            onProgress: () => {
              batches += 1;
              if (batches === 3) stop.abort();
            },
          },
        },
      ),
    );
    expect(first.stopped).toBe(true);
    expect(first.run.status).toBe('running');
    const sentBefore = hook.unique.size;
    expect(sentBefore).toBeGreaterThanOrEqual(30);
    expect(sentBefore).toBeLessThan(200);
    const second = await runSync(request({ table: 't_stop' }));
    expect(second.resumed).toBe(true);
    expect(second.run.runId).toBe(first.run.runId);
    expect(second.run.status).toBe('succeeded');
    expect(hook.unique.size).toBe(200);
    expect(hook.duplicates).toBe(0);
  });
});
