/**
 * Sync runs to Segment and HubSpot through the real run engine (runSync) on the harness Postgres and the
 * protocol-level servers: every row arrives exactly once up to its idempotency key under 429s, 5xx
 * storms, timeouts and malformed answers; per-record rejections land in the rejections table with the
 * service's reason and are retried on the next run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSync, type RunRequest } from '../../../src/runs';
import { LocalRunLocks } from '../../../src/runs/run-lock';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';
import { startHubspotServer, type HubspotServer } from '../../servers/hubspot/hubspot-server';
import { startSegmentServer, type SegmentServer } from '../../servers/segment/segment-server';
import { runState } from './run-state';

let db: TestDatabase;
let seg: SegmentServer;
let hs: HubspotServer;
const locks = new LocalRunLocks(mkdtempSync(join(tmpdir(), 'backflow-dest-runs-')));
const fast = { baseMs: 1, maxWaitMs: 20, maxRateLimitedMs: 10_000 };
const secret = (env: string) => ({ $sensitive: { ref: { env }, fingerprint: '' } });

beforeAll(async () => {
  db = await createTestDatabase('dest_runs');
  if (db.settings.password) process.env.RUNS_TEST_PG_PASSWORD = db.settings.password;
  process.env.RUNS_SEGMENT_KEY = 'wk_runs_s3cret';
  process.env.RUNS_HUBSPOT_TOKEN = 'pat-runs-s3cret';
  seg = await startSegmentServer({ writeKeys: ['wk_runs_s3cret'] });
  hs = await startHubspotServer({ tokens: ['pat-runs-s3cret'], maxPerWindow: 1000, windowMs: 150 });
});

afterAll(async () => {
  await seg.close();
  await hs.close();
  await db.drop();
});

beforeEach(() => {
  seg.reset();
  hs.reset();
  hs.options.maxPerWindow = 1000;
});

async function users(table: string, n: number): Promise<void> {
  await db.query(`drop table if exists ${table}`);
  await db.query(
    `create table ${table} (id int primary key, user_id text, email text, name text, score numeric)`,
  );
  await db.query(
    `insert into ${table} select g, 'user-' || g, 'u' || g || '@example.com', 'User ' || g, g * 1.5 from generate_series(1, $1) g`,
    [n],
  );
  await db.query(`create schema if not exists bf_${table}`);
}

function request(
  table: string,
  destination: Record<string, unknown>,
  mapping: Record<string, string>,
): RunRequest {
  return {
    state: runState({
      settings: db.settings,
      url: '',
      query: `select id, user_id, email, name, score from ${table}`,
      columns: ['id', 'user_id', 'email', 'name', 'score'],
      schema: `bf_${table}`,
      destination,
      mapping,
    }),
    sync: 'users_to_hook',
    configDir: '/tmp',
    locks,
    trigger: 'manual',
    retryPolicy: fast,
  };
}

const segmentDest = (extra: Record<string, unknown> = {}) => ({
  type: 'segment',
  write_key: secret('RUNS_SEGMENT_KEY'),
  endpoint: seg.url,
  ...extra,
});
const hubspotDest = (extra: Record<string, unknown> = {}) => ({
  type: 'hubspot',
  token: secret('RUNS_HUBSPOT_TOKEN'),
  id_property: 'email',
  endpoint: hs.url,
  ...extra,
});
const segMapping = { userId: 'user_id', email: 'email', name: 'name', score: 'score' };
const hsMapping = { email: 'email', firstname: 'name', score: 'score' };

async function rejections(table: string): Promise<{ record_id: string; reason: string }[]> {
  return db.query(
    `select record_id, reason from bf_${table}.rejections_users_to_hook order by record_id::int`,
  );
}

describe('sync runs to Segment', () => {
  it('every row arrives once up to its messageId through 429s, a 5xx storm, a timeout and a malformed answer', async () => {
    await users('seg_faults', 600);
    seg.faults.push(
      { status: 429, retryAfter: '0' },
      { status: 503 },
      { status: 502 },
      { status: 500 },
      { status: 429, retryAfter: '0' },
      { status: 503 },
      { malformed: true },
      { stallMs: 1500 },
      { status: 504 },
    );
    const retries: string[] = [];
    const r = await runSync({
      ...request(
        'seg_faults',
        segmentDest({ batch_size: 50, max_in_flight: 3, timeout_ms: 1000 }),
        segMapping,
      ),
      events: { onRetry: (why) => retries.push(why) },
    });
    expect(r.run.status).toBe('succeeded');
    expect(r.run.planned.add).toBe(600);
    expect(r.run.accepted.add).toBe(600);
    // Nine injected faults; a loaded machine may add timeouts of its own.
    expect(retries.length).toBeGreaterThanOrEqual(9);
    await seg.idle(); // the stalled request lands late
    expect(seg.byMessageId.size).toBe(600); // no loss
    expect(seg.events).toHaveLength(600); // no duplicate event reached Segment's destinations
    // The malformed and the stalled batch (at least) were re-sent, and Segment dropped the repeats.
    expect(seg.duplicates).toBeGreaterThanOrEqual(100);
    expect(seg.duplicates % 50).toBe(0);
    expect(seg.profiles().get('user-7')).toEqual({
      email: 'u7@example.com',
      name: 'User 7',
      score: '10.5',
    });

    // The next run sends only the changes, with new messageIds.
    await db.query(`update seg_faults set name = 'Renamed' where id in (1, 2, 3)`);
    seg.reset();
    const next = await runSync(request('seg_faults', segmentDest(), segMapping));
    expect(next.run.planned).toEqual({ add: 0, change: 3, remove: 0, retry: 0 });
    expect(seg.events.map((e) => [e.userId, e.traits?.name])).toEqual([
      ['user-1', 'Renamed'],
      ['user-2', 'Renamed'],
      ['user-3', 'Renamed'],
    ]);
  });

  it('rows Segment would drop are rejected with the reason, kept in the rejections table, retried next run', async () => {
    await users('seg_reject', 40);
    await db.query(`update seg_reject set user_id = null where id in (5, 17)`);
    await db.query(`update seg_reject set name = repeat('x', 40000) where id = 30`);
    const r = await runSync(request('seg_reject', segmentDest(), segMapping));
    expect(r.run.status).toBe('partial');
    expect(r.run.accepted.add).toBe(37);
    expect(r.run.rejected.add).toBe(3);
    const rej = await rejections('seg_reject');
    expect(rej.map((x) => x.record_id)).toEqual(['5', '17', '30']);
    expect(rej[0].reason).toMatch(/no userId or anonymousId/);
    expect(rej[2].reason).toMatch(/Segment accepts at most 32 KB/);
    expect(seg.events).toHaveLength(37);

    await db.query(`update seg_reject set user_id = 'user-' || id, name = 'ok' where id in (5, 17, 30)`);
    const again = await runSync(request('seg_reject', segmentDest(), segMapping));
    expect(again.run.planned).toEqual({ add: 0, change: 0, remove: 0, retry: 3 });
    expect(again.run.status).toBe('succeeded');
    expect(seg.byMessageId.size).toBe(40);
    expect(seg.duplicates).toBe(0);
  });
});

describe('sync runs to HubSpot', () => {
  it('every contact is upserted once up to its trace id through rate limits and a 5xx storm', async () => {
    await users('hs_faults', 450);
    // The server's window closes after 2 requests however slowly they come (6 or more reach it here).
    hs.options.maxPerWindow = 2;
    hs.faults.push({ status: 502 }, { status: 503 }, { status: 500 }, { status: 503 }, { malformed: true });
    const waits: number[] = [];
    const r = await runSync({
      ...request('hs_faults', hubspotDest({ max_in_flight: 2 }), hsMapping),
      retryPolicy: { ...fast, maxWaitMs: 1000 },
      events: {
        onRetry: (_why, ms, rateLimited) => {
          if (rateLimited) waits.push(ms);
        },
      },
    });
    expect(r.run.status).toBe('succeeded');
    expect(r.run.accepted.add).toBe(450);
    expect(hs.limitsReached).toBeGreaterThan(0);
    // Every 429 was seen by the run and waited out for the window HubSpot announces (150 ms here).
    expect(waits).toEqual(Array(hs.rateLimited).fill(150));
    expect(hs.objects.get('contacts')!.size).toBe(450);
    expect(hs.traceCounts.size).toBe(450);
    expect(hs.duplicates).toBe(100); // the batch answered with a broken body was upserted again
    expect(hs.find('contacts', 'email', 'u9@example.com')!.properties).toEqual({
      email: 'u9@example.com',
      firstname: 'User 9',
      score: '13.5',
    });
  });

  it("207 rejections land in the rejections table with HubSpot's reason and are retried next run", async () => {
    await users('hs_reject', 120);
    await db.query(`update hs_reject set email = 'not-an-email-' || id where id % 40 = 0`);
    const r = await runSync(request('hs_reject', hubspotDest(), hsMapping));
    expect(r.run.status).toBe('partial');
    expect(r.run.rejected.add).toBe(3);
    expect(r.run.error).toContain('INVALID_EMAIL');
    const rej = await rejections('hs_reject');
    expect(rej).toEqual(
      [40, 80, 120].map((id) => ({
        record_id: String(id),
        reason: `Property values were not valid: Email address not-an-email-${id} is invalid (INVALID_EMAIL)`,
      })),
    );
    expect(hs.objects.get('contacts')!.size).toBe(117);

    await db.query(`update hs_reject set email = 'u' || id || '@example.com' where id % 40 = 0`);
    const again = await runSync(request('hs_reject', hubspotDest(), hsMapping));
    expect(again.run.planned).toEqual({ add: 0, change: 0, remove: 0, retry: 3 });
    expect(again.run.status).toBe('succeeded');
    expect(hs.objects.get('contacts')!.size).toBe(120);
  });

  it('a wrong token fails the run, marks nothing sent, and never prints the token', async () => {
    await users('hs_auth', 5);
    process.env.RUNS_HUBSPOT_WRONG = 'pat-wrong-s3cret';
    const r = await runSync(
      request('hs_auth', hubspotDest({ token: secret('RUNS_HUBSPOT_WRONG') }), hsMapping),
    );
    expect(r.run.status).toBe('failed');
    expect(r.run.error).toMatch(/refused the credentials \(HTTP 401\)/);
    expect(r.run.error).not.toContain('pat-wrong-s3cret');
    const n = await db.query(`select count(*)::int as n from bf_hs_auth.records_users_to_hook`);
    expect(n[0].n).toBe(0);
    const ok = await runSync(request('hs_auth', hubspotDest(), hsMapping));
    expect(ok.run.planned.add).toBe(5);
    expect(ok.run.status).toBe('succeeded');
  });

  it('refuses a mirror run to a destination that cannot delete', async () => {
    await users('hs_mirror', 2);
    const req = request('hs_mirror', hubspotDest(), hsMapping);
    (req.state.resources['sync.users_to_hook'].attributes as Record<string, unknown>).mode = 'mirror';
    await expect(runSync(req)).rejects.toThrow(
      /mode "mirror" needs a destination that can delete records; hubspot cannot/,
    );
  });
});
