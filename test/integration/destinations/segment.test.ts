/**
 * The segment destination against the protocol-level Segment server, through the real delivery loop.
 */
import { createServer } from 'node:http';
import { segmentDestination } from '../../../src/adapters/destination/segment/segment-destination';
import { startSegmentServer, type SegmentServer } from '../../servers/segment/segment-server';
import { deliverRows, rows } from './deliver-rows';

let seg: SegmentServer;

beforeAll(async () => {
  seg = await startSegmentServer({ writeKeys: ['wk_live'] });
});
afterAll(() => seg.close());
beforeEach(() => seg.reset());

const open = (attrs: Record<string, unknown> = {}) =>
  segmentDestination.open({
    attributes: { type: 'segment', write_key: 'wk_live', endpoint: seg.url, ...attrs },
    sync: 'users',
    runId: 'run-1',
  });

const users = (n: number) =>
  rows(n, (i) => ({ id: i, user_id: `u${i}`, email: `u${i}@x.io`, plan: i % 2 ? 'pro' : null }));
const mapping = { userId: 'user_id', email: 'email', plan: 'plan' };

describe('segment destination against the Segment server', () => {
  it('delivers identify calls with traits, each record once, messageId = idempotency key', async () => {
    const r = await deliverRows(open(), users(1200), mapping);
    expect(r.failure).toBeUndefined();
    expect(r.outcomes.every((o) => o.accepted)).toBe(true);
    expect(seg.events).toHaveLength(1200);
    expect(seg.duplicates).toBe(0);
    expect(seg.requests).toBe(3); // 500 + 500 + 200
    expect(seg.events[0]).toEqual({
      type: 'identify',
      messageId: expect.stringMatching(/^[0-9a-f]{40}$/),
      userId: 'u1',
      traits: { email: 'u1@x.io', plan: 'pro' },
    });
    expect(seg.profiles().get('u2')).toEqual({ email: 'u2@x.io', plan: null });
  });

  it('track and group calls', async () => {
    await deliverRows(open({ event_type: 'track', event: 'Plan Synced' }), users(3), mapping);
    expect(seg.events.map((e) => [e.type, e.event, e.properties?.email])).toEqual([
      ['track', 'Plan Synced', 'u1@x.io'],
      ['track', 'Plan Synced', 'u2@x.io'],
      ['track', 'Plan Synced', 'u3@x.io'],
    ]);
    seg.reset();
    const companies = rows(2, (i) => ({ id: i, owner: `u${i}`, company: `c${i}`, name: `Co ${i}` }));
    await deliverRows(open({ event_type: 'group' }), companies, {
      userId: 'owner',
      groupId: 'company',
      name: 'name',
    });
    expect(seg.events.map((e) => [e.type, e.groupId, e.traits])).toEqual([
      ['group', 'c1', { name: 'Co 1' }],
      ['group', 'c2', { name: 'Co 2' }],
    ]);
  });

  it('keeps every request under 500 KB and rejects events over 32 KB without sending them', async () => {
    const big = rows(60, (i) => ({ id: i, user_id: `u${i}`, blob: 'x'.repeat(i === 7 ? 40_000 : 20_000) }));
    const r = await deliverRows(open(), big, { userId: 'user_id', blob: 'blob' });
    expect(r.failure).toBeUndefined();
    const rejected = r.outcomes.filter((o) => !o.accepted);
    expect(rejected.map((o) => o.recordId)).toEqual(['7']);
    expect(rejected[0].reason).toMatch(/at most 32 KB/);
    expect(seg.events).toHaveLength(59);
    expect(Math.max(...seg.bodySizes)).toBeLessThanOrEqual(500 * 1024);
    expect(seg.requests).toBeGreaterThanOrEqual(3);
  });

  it('rows without userId or anonymousId are rejected locally with the reason', async () => {
    const some = rows(4, (i) => ({ id: i, user_id: i === 2 ? null : `u${i}` }));
    const r = await deliverRows(open(), some, { userId: 'user_id' });
    expect(r.outcomes.filter((o) => !o.accepted).map((o) => [o.recordId, o.reason])).toEqual([
      ['2', expect.stringMatching(/no userId or anonymousId/)],
    ]);
    expect(seg.events).toHaveLength(3);
    expect(seg.invalid).toHaveLength(0);
  });

  it('waits out 429s (Retry-After) and 5xx storms, losing and duplicating nothing', async () => {
    seg.faults.push(
      { status: 429, retryAfter: '0' },
      { status: 503 },
      { status: 500 },
      { status: 502 },
      { status: 429, retryAfter: '0' },
      { status: 504 },
    );
    const r = await deliverRows(open({ batch_size: 50, max_in_flight: 2 }), users(400), mapping);
    expect(r.failure).toBeUndefined();
    expect(r.retries).toHaveLength(6);
    expect(r.retries.filter((x) => x.rateLimited)).toHaveLength(2);
    expect(seg.byMessageId.size).toBe(400);
    expect(seg.duplicates).toBe(0);
  });

  it('a timed-out or malformed answer is re-sent; Segment drops the repeated messageIds', async () => {
    seg.faults.push({ stallMs: 1500 }, { malformed: true }, { dropConnection: true });
    const r = await deliverRows(
      open({ batch_size: 10, max_in_flight: 1, timeout_ms: 1000 }),
      users(30),
      mapping,
    );
    expect(r.failure).toBeUndefined();
    expect(r.retries.map((x) => x.reason)).toEqual([
      expect.stringMatching(/no answer within 1000 ms/),
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/unreachable/),
    ]);
    await seg.idle(); // the stalled request is processed late
    expect(seg.byMessageId.size).toBe(30);
    expect(seg.duplicates).toBe(2 * 10); // the stalled and the malformed batch, each re-sent once
  });

  it('a 400 for one oversize event is narrowed down to that record; the rest are delivered', async () => {
    const some = rows(8, (i) => ({ id: i, user_id: `u${i}`, note: i === 5 ? 'x'.repeat(33_000) : 'ok' }));
    const d = open({ batch_size: 8 });
    // Bypass the local check to see how the runner handles Segment's own 400.
    (d as unknown as { recordProblem: () => undefined }).recordProblem = () => undefined;
    const r = await deliverRows(d, some, { userId: 'user_id', note: 'note' });
    expect(r.failure).toBeUndefined();
    const rejected = r.outcomes.filter((o) => !o.accepted);
    expect(rejected.map((o) => o.recordId)).toEqual(['5']);
    expect(rejected[0].reason).toMatch(/HTTP 400.*32KB per event/);
    expect(seg.events.map((e) => e.userId).sort()).toEqual(['u1', 'u2', 'u3', 'u4', 'u6', 'u7', 'u8']);
  });

  it('gives up after the retry budget when Segment keeps failing', async () => {
    for (let i = 0; i < 10; i += 1) seg.faults.push({ status: 503 });
    const r = await deliverRows(open({ max_retries: 2, max_in_flight: 1 }), users(5), mapping);
    expect(r.failure).toMatch(/HTTP 503.*gave up after 2 retries/);
    expect(r.outcomes).toHaveLength(0);
  });

  it('a wrong write key is answered 200 and dropped by Segment: Backflow cannot tell (documented)', async () => {
    const r = await deliverRows(open({ write_key: 'wk_typo' }), users(3), mapping);
    expect(r.outcomes.every((o) => o.accepted)).toBe(true);
    expect(seg.events).toHaveLength(0);
    expect(seg.unknownKey).toHaveLength(3);
  });

  it('sends the write key as Basic auth user name, never in the body', async () => {
    const seen: string[] = [];
    const spy = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push(String(req.headers.authorization), body);
        res.end('{"success":true}');
      });
    });
    await new Promise<void>((r) => spy.listen(0, '127.0.0.1', r));
    const port = (spy.address() as { port: number }).port;
    await deliverRows(open({ endpoint: `http://127.0.0.1:${port}` }), users(1), mapping);
    await new Promise<void>((r) => spy.close(() => r()));
    expect(seen[0]).toBe(`Basic ${Buffer.from('wk_live:').toString('base64')}`);
    expect(seen[1]).not.toContain('wk_live');
  });
});
