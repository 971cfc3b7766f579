/**
 * The hubspot destination against the protocol-level HubSpot server, through the real delivery loop.
 */
import { hubspotDestination } from '../../../src/adapters/destination/hubspot/hubspot-destination';
import { startHubspotServer, type HubspotServer } from '../../servers/hubspot/hubspot-server';
import { deliverRows, rows } from './deliver-rows';

let hs: HubspotServer;

beforeAll(async () => {
  hs = await startHubspotServer({ tokens: ['pat-good'], maxPerWindow: 1000, windowMs: 200 });
});
afterAll(() => hs.close());
beforeEach(() => {
  hs.reset();
  hs.options.maxPerWindow = 1000;
  hs.options.dailyLimit = undefined;
});

const open = (attrs: Record<string, unknown> = {}) =>
  hubspotDestination.open({
    attributes: { type: 'hubspot', token: 'pat-good', id_property: 'email', endpoint: hs.url, ...attrs },
    sync: 'contacts',
    runId: 'run-1',
  });

const contacts = (n: number, email = (i: number) => `u${i}@x.io`) =>
  rows(n, (i) => ({ id: i, email: email(i), first: `User ${i}`, score: i * 1.5, vip: i % 2 === 0 }));
const mapping = { email: 'email', firstname: 'first', score: 'score', vip: 'vip' };

describe('hubspot destination against the HubSpot server', () => {
  it('upserts contacts by email, 100 inputs per request, values in HubSpot text forms', async () => {
    const r = await deliverRows(open(), contacts(250), mapping);
    expect(r.failure).toBeUndefined();
    expect(r.outcomes.every((o) => o.accepted)).toBe(true);
    expect(hs.requests).toBe(3);
    expect(hs.maxInputs).toBe(100);
    expect(hs.objects.get('contacts')!.size).toBe(250);
    expect(hs.find('contacts', 'email', 'u4@x.io')!.properties).toEqual({
      email: 'u4@x.io',
      firstname: 'User 4',
      score: '6',
      vip: 'true',
    });
    expect(hs.written[0].objectWriteTraceId).toMatch(/^[0-9a-f]{40}$/);

    // A second delivery updates the same objects (upsert), it does not create new ones.
    hs.written.length = 0;
    await deliverRows(
      open(),
      contacts(250, (i) => `U${i}@X.io`),
      mapping,
    );
    expect(hs.objects.get('contacts')!.size).toBe(250);
  });

  it('207: invalid emails and unknown properties are per-record rejections; the rest are written', async () => {
    const some = contacts(10, (i) => (i === 3 ? 'not-an-email' : `u${i}@x.io`));
    const r = await deliverRows(open(), some, mapping);
    const rejected = r.outcomes.filter((o) => !o.accepted);
    expect(rejected.map((o) => [o.recordId, o.reason])).toEqual([
      ['3', 'Property values were not valid: Email address not-an-email is invalid (INVALID_EMAIL)'],
    ]);
    expect(hs.objects.get('contacts')!.size).toBe(9);

    hs.reset();
    const r2 = await deliverRows(open(), contacts(5), { ...mapping, favourite_colour: 'first' });
    expect(r2.outcomes.filter((o) => o.accepted)).toHaveLength(0);
    expect(r2.outcomes[0].reason).toBe(
      'Property values were not valid: Property "favourite_colour" does not exist (PROPERTY_DOESNT_EXIST)',
    );
  });

  it('two rows naming one contact in a batch: the later waits (rejected with the reason), the rest go', async () => {
    const dup = contacts(6, (i) => (i === 5 ? 'U2@x.io' : `u${i}@x.io`));
    const r = await deliverRows(open(), dup, mapping);
    expect(r.failure).toBeUndefined();
    const rejected = r.outcomes.filter((o) => !o.accepted);
    expect(rejected.map((o) => o.recordId)).toEqual(['5']);
    expect(rejected[0].reason).toMatch(/row 2 in the same request has email "U2@x.io" too/);
    expect(hs.objects.get('contacts')!.size).toBe(5);
  });

  it('waits out its 10-second-window 429s and 5xx storms; each input written once', async () => {
    // The server's window closes after 2 requests whatever the pace, so 12 batches always meet the limit.
    hs.options.maxPerWindow = 2;
    hs.faults.push({ status: 502 }, { status: 503 }, { status: 500 });
    const r = await deliverRows(open({ batch_size: 10, max_in_flight: 3 }), contacts(120), mapping, {
      baseMs: 1,
      maxWaitMs: 1000,
      maxRateLimitedMs: 10_000,
    });
    expect(r.failure).toBeUndefined();
    expect(hs.limitsReached).toBeGreaterThan(0);
    expect(r.retries.filter((x) => x.rateLimited).length).toBe(hs.rateLimited);
    // Each 429 is waited out for the window HubSpot announces (no Retry-After), not a backoff guess.
    expect(r.retries.filter((x) => x.rateLimited).map((x) => x.waitMs)).toEqual(
      Array(hs.rateLimited).fill(200),
    );
    expect(r.retries.find((x) => x.rateLimited)!.reason).toMatch(
      /rate limiting \(HTTP 429, TEN_SECONDLY_ROLLING\): You have reached your ten_secondly_rolling limit/,
    );
    expect(r.retries.filter((x) => !x.rateLimited)).toHaveLength(3);
    expect(hs.traceCounts.size).toBe(120);
    expect(hs.duplicates).toBe(0);
  });

  it('a timed-out or malformed answer is re-sent: the upsert repeats, no object is created twice', async () => {
    hs.faults.push({ stallMs: 1500 }, { malformed: true });
    const r = await deliverRows(
      open({ batch_size: 10, max_in_flight: 1, timeout_ms: 1000 }),
      contacts(30),
      mapping,
    );
    expect(r.failure).toBeUndefined();
    await hs.idle(); // the stalled request is processed late
    expect(hs.objects.get('contacts')!.size).toBe(30);
    expect(hs.traceCounts.size).toBe(30);
    expect(hs.duplicates).toBe(20);
  });

  it("a wrong token fails the run with HubSpot's message, nothing rejected per record", async () => {
    const r = await deliverRows(open({ token: 'pat-wrong' }), contacts(3), mapping);
    expect(r.failure).toMatch(/refused the credentials \(HTTP 401\).*INVALID_AUTHENTICATION/);
    expect(r.outcomes).toHaveLength(0);
    expect(r.failure).not.toContain('pat-wrong');
  });

  it('configuration errors fail the run: non-unique id_property, unknown object type', async () => {
    const a = await deliverRows(open({ id_property: 'firstname' }), contacts(3), mapping);
    expect(a.failure).toMatch(/cannot upsert by firstname: Unable to perform update\/upsert by non-unique/);
    expect(a.outcomes).toHaveLength(0);
    const b = await deliverRows(open({ object_type: 'widgets' }), contacts(3), mapping);
    expect(b.failure).toMatch(/Unable to infer object type from: widgets.*Check object_type/);
  });

  it('the daily limit fails the run instead of waiting for hours', async () => {
    hs.options.dailyLimit = 1;
    const r = await deliverRows(open({ batch_size: 5, max_in_flight: 1 }), contacts(10), mapping);
    expect(r.failure).toMatch(/daily API request limit is used up/);
    expect(r.outcomes.filter((o) => o.accepted)).toHaveLength(5);
  });

  it('upserts companies by a custom unique property; an unmapped id_property uses the primary key', async () => {
    const cos = rows(3, (i) => ({ id: `co-${i}`, name: `Co ${i}`, staff: i * 10 }));
    cos.forEach((c) => (c.recordId = String(c.values!.id)));
    const r = await deliverRows(open({ object_type: 'companies', id_property: 'company_key' }), cos, {
      name: 'name',
      employees: 'staff',
    });
    expect(r.outcomes.every((o) => o.accepted)).toBe(true);
    expect(hs.find('companies', 'company_key', 'co-2')!.properties).toEqual({
      company_key: 'co-2',
      name: 'Co 2',
      employees: '20',
    });
  });
});
