/**
 * The real dbt Cloud client against the protocol-level test server: envelope, pagination, retries with
 * Retry-After, timeouts, every failure named as such, manifests checked and cached, and the key in no
 * message or log line.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import {
  DbtCloudClient,
  DbtCloudError,
  hostOf,
  manifestFromDbtCloud,
  retryAfterMs,
  type DbtCloudClientOptions,
} from '../../../src/adapters/dbtcloud';
import {
  manifestText,
  run,
  sampleWorld,
  startDbtCloudServer,
  type DbtCloudTestServer,
} from '../../servers/dbtcloud/server';

const KEY = 'dbtc_Sk3y-never-print-me-7781';
let server: DbtCloudTestServer;
let waits: number[];
let logs: string[];
/** Every message, hint and log line a test produced: none may hold the key. */
const seen: string[] = [];

function client(opts: DbtCloudClientOptions & { key?: string; account?: number } = {}): DbtCloudClient {
  const { key, account, ...rest } = opts;
  return new DbtCloudClient(
    { account_id: account ?? 1234, access_url: server.url, api_key: key ?? KEY },
    {
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0,
      log: (line) => logs.push(line),
      ...rest,
    },
  );
}

async function failure(p: Promise<unknown>): Promise<DbtCloudError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DbtCloudError);
    const e = err as DbtCloudError;
    seen.push(e.message, e.hint ?? '');
    return e;
  }
  throw new Error('expected a failure');
}

beforeEach(async () => {
  server = await startDbtCloudServer(sampleWorld(KEY));
  waits = [];
  logs = [];
});

afterEach(async () => {
  seen.push(...logs);
  await server.stop();
});

afterAll(() => {
  expect(seen.length).toBeGreaterThan(10);
  for (const text of seen) expect(text).not.toContain(KEY);
});

describe('requests', () => {
  it('reads the account with Authorization: Token', async () => {
    const c = client();
    await expect(c.account()).resolves.toMatchObject({ id: 1234, name: 'Acme Analytics' });
    expect(server.requests).toEqual([
      expect.objectContaining({ path: '/api/v2/accounts/1234/', authorization: `Token ${KEY}` }),
    ]);
    expect(c.requests).toBe(1);
  });

  it('reads every page of a list, until total_count', async () => {
    for (let i = 0; i < 250; i++)
      server.world.jobs.push({
        id: 1000 + i,
        account_id: 1234,
        project_id: 7,
        environment_id: 70,
        name: `job ${i}`,
        state: 1,
      });
    const jobs = await client().jobs();
    expect(jobs).toHaveLength(253);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(253);
    expect(server.requests.map((r) => [r.query.offset, r.query.limit])).toEqual([
      ['0', '100'],
      ['100', '100'],
      ['200', '100'],
    ]);
  });

  it('pages with a smaller page size too', async () => {
    const jobs = await client({ pageSize: 2 }).jobs();
    expect(jobs.map((j) => j.id)).toEqual([42, 43, 50]);
    expect(server.requests).toHaveLength(2);
  });

  it('names projects and environments of jobs, listing them once', async () => {
    const summaries = await client().jobSummaries();
    expect(summaries).toEqual([
      expect.objectContaining({
        id: 42,
        name: 'Nightly build',
        project: 'Analytics',
        environment: 'Production',
      }),
      expect.objectContaining({ id: 43, project: 'Analytics' }),
      expect.objectContaining({ id: 50, project: 'Finance', environment: 'Prod (finance)' }),
    ]);
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/api/v2/accounts/1234/environments/',
      '/api/v2/accounts/1234/jobs/',
      '/api/v2/accounts/1234/projects/',
    ]);
  });

  it('uses embedded project and environment objects without listing them', async () => {
    server.world.embedRelated = true;
    const [first] = await client().jobSummaries();
    expect(first).toMatchObject({ project: 'Analytics', environment: 'Production' });
    expect(server.requests.map((r) => r.path)).toEqual(['/api/v2/accounts/1234/jobs/']);
  });

  it('finds the latest successful run of a job', async () => {
    const c = client();
    await expect(c.latestSuccessfulRun(42)).resolves.toMatchObject({ id: 1001, status: 10 });
    expect(server.requests[0].query).toEqual({
      job_definition_id: '42',
      status: '10',
      order_by: '-finished_at',
      limit: '1',
    });
    await expect(c.latestSuccessfulRun(50)).resolves.toBeUndefined();
    await expect(c.lastRun(42)).resolves.toMatchObject({ id: 1004, status: 3 });
  });
});

describe('retries', () => {
  it('honours Retry-After in seconds on 429, then succeeds', async () => {
    server.fault({ status: 429, headers: { 'retry-after': '2' } });
    await expect(client().account()).resolves.toMatchObject({ name: 'Acme Analytics' });
    expect(waits).toEqual([2000]);
    expect(server.requests).toHaveLength(2);
    expect(logs[0]).toMatch(/HTTP 429 .* retrying in 2\.0s \(attempt 2 of 5\)/);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    server.fault({ status: 429, headers: { 'retry-after': 'Sun, 01 Mar 2026 10:00:07 GMT' } });
    await client({ now: () => now }).account();
    expect(waits).toEqual([7000]);
    expect(retryAfterMs('Sun, 01 Mar 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs('1.5', now)).toBe(1500);
  });

  it('backs off exponentially on 5xx, then succeeds', async () => {
    server.fault({ status: 503 }, { status: 502 }, { status: 500 });
    await expect(client().account()).resolves.toMatchObject({ id: 1234 });
    // base 500 ms doubling, jitter at its lowest (random() = 0 → half)
    expect(waits).toEqual([250, 500, 1000]);
  });

  it('gives up after the last attempt, saying how often it tried', async () => {
    server.fault(...Array.from({ length: 5 }, () => ({ status: 503 })));
    const e = await failure(client().account());
    expect(e.kind).toBe('unavailable');
    expect(e.message).toMatch(/answered HTTP 503 to GET \/api\/v2\/accounts\/1234\/ 5 times/);
    expect(server.requests).toHaveLength(5);
  });

  it('caps the total wait: a Retry-After beyond it fails at once', async () => {
    server.fault({ status: 429, headers: { 'retry-after': '3600' } });
    const e = await failure(client({ maxTotalWaitMs: 60_000 }).account());
    expect(e.message).toMatch(/asked to retry after 3600s, longer than Backflow waits \(60s in all\)/);
    expect(e.hint).toMatch(/rate limiting/);
    expect(waits).toEqual([]);
  });

  it('times out a request that hangs, and retries it', async () => {
    // The timeout leaves room for a healthy answer on a loaded CI machine (0.1 s did not, at load 11).
    server.fault({ delayMs: 2500 });
    await expect(client({ timeoutMs: 600 }).account()).resolves.toMatchObject({ id: 1234 });
    expect(waits).toHaveLength(1);
    server.fault({ delayMs: 2500 }, { delayMs: 2500 });
    const e = await failure(client({ timeoutMs: 600, maxAttempts: 2 }).account());
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/did not answer GET \/api\/v2\/accounts\/1234\/ within 0\.6s/);
  });
});

describe('failures', () => {
  it('a wrong key is named as rejected (401)', async () => {
    const e = await failure(client({ key: 'wrong-key' }).account());
    expect(e.kind).toBe('unauthorized');
    expect(e.message).toBe(`the API key was rejected by dbt Cloud at ${server.url} (HTTP 401)`);
  });

  it('a key without access to the account lacks permission (403)', async () => {
    const e = await failure(client({ account: 99 }).account());
    expect(e.kind).toBe('forbidden');
    expect(e.message).toBe(
      `the API key lacks permission for account 99 at ${server.url} (HTTP 403): it needs at least Job Viewer (or Account Viewer)`,
    );
    expect(e.hint).toMatch(/Service tokens: give the token Job Viewer/);
  });

  it('an unknown account (404)', async () => {
    const e = await failure(client({ account: 555 }).account());
    expect(e.kind).toBe('unknown_account');
    expect(e.message).toMatch(/account 555 does not exist at http:\/\/127\.0\.0\.1:\d+/);
    // the same for lists under an unknown account
    expect((await failure(client({ account: 555 }).jobs())).kind).toBe('unknown_account');
  });

  it('an unknown job, with the jobs that exist', async () => {
    const e = await failure(client().job(4242));
    expect(e.kind).toBe('unknown_job');
    expect(e.message).toBe('dbt Cloud job 4242 does not exist in account 1234');
    expect(e.hint).toContain('Nightly build (id 42)');
    expect(e.hint).toContain('Finance daily (id 50)');
  });

  it('an unreachable host, naming the URL', async () => {
    const port = await closedPort();
    const c = new DbtCloudClient({ account_id: 1, access_url: `http://127.0.0.1:${port}`, api_key: KEY });
    const e = await failure(c.account());
    expect(e.kind).toBe('unreachable');
    expect(e.message).toBe(`cannot reach dbt Cloud at http://127.0.0.1:${port} (connection refused)`);
  });

  it('a malformed access_url is a config error naming the field', () => {
    const make = (access_url: string) => () =>
      new DbtCloudClient({ account_id: 1, access_url, api_key: KEY });
    for (const [url, why] of [
      ['not a url', /not a URL/],
      ['http://ab123.us1.dbt.com', /must use https/],
      ['https://cloud.getdbt.com/deploy/1/projects', /host only \("https:\/\/cloud\.getdbt\.com"\)/],
      ['https://user:pw@cloud.getdbt.com', /credentials/],
      ['ftp://cloud.getdbt.com', /https/],
    ] as const) {
      try {
        make(url)();
        throw new Error(`accepted ${url}`);
      } catch (err) {
        const e = err as DbtCloudError;
        expect(e.kind).toBe('config');
        expect(e.field).toBe('access_url');
        expect(e.message).toMatch(why);
      }
    }
  });

  it('picks the host from access_url, subdomain or the default', () => {
    expect(hostOf({ access_url: 'https://ab123.us1.dbt.com/' })).toBe('https://ab123.us1.dbt.com');
    expect(hostOf({ access_url: 'https://emea.dbt.com' })).toBe('https://emea.dbt.com');
    expect(hostOf({ subdomain: 'Acme' })).toBe('https://acme.getdbt.com');
    expect(hostOf({})).toBe('https://cloud.getdbt.com');
    expect(hostOf({ access_url: 'http://localhost:8080' })).toBe('http://localhost:8080');
  });

  it('does not follow a redirect: the key goes only to the configured host', async () => {
    server.fault({ status: 302, headers: { location: 'https://ab123.us1.dbt.com/api/v2/accounts/1234/' } });
    const e = await failure(client().account());
    expect(e.kind).toBe('config');
    expect(e.message).toMatch(/redirected GET \/api\/v2\/accounts\/1234\/ to https:\/\/ab123\.us1\.dbt\.com/);
    expect(e.hint).toContain('"https://ab123.us1.dbt.com"');
    expect(server.requests).toHaveLength(1);
  });

  it('an answer that is not the API (an HTML page)', async () => {
    server.fault({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' });
    const e = await failure(client().account());
    expect(e.kind).toBe('bad_response');
    expect(e.message).toMatch(/text\/html that is not the dbt Cloud API's JSON/);
  });

  it('scrubs the key even from what the server says', async () => {
    server.fault({
      status: 400,
      body: JSON.stringify({
        status: { code: 400, is_success: false, user_message: `bad token ${KEY}` },
        data: null,
      }),
    });
    const e = await failure(client().account());
    expect(e.message).toContain('bad token ***');
  });
});

describe('manifests', () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'backflow-dbtc-cache-'));
  });

  it('fetches, checks and caches a run manifest by run id', async () => {
    const m = await client({ cacheDir }).fetchManifest(1001);
    expect(m.schemaVersion).toBe(12);
    expect(m.json.metadata).toMatchObject({ dbt_version: '1.8.0' });
    const before = server.requests.length;
    // another client (another run of Backflow) reads the cache: no request
    await expect(client({ cacheDir }).fetchManifest(1001)).resolves.toMatchObject({ schemaVersion: 12 });
    expect(server.requests.length).toBe(before);
    expect(readdirSync(cacheDir)).toEqual([`127.0.0.1_${server.port}-1234`]);
  });

  it('reads the manifest of a job (its latest successful run)', async () => {
    await expect(client().fetchJobManifest(43)).resolves.toMatchObject({ schemaVersion: 11 });
    expect(server.requests[0].path).toBe('/api/v2/accounts/1234/jobs/43/artifacts/manifest.json');
  });

  it('refuses a manifest that is not JSON', async () => {
    server.world.manifests.set(1001, '{"metadata": ');
    const e = await failure(client({ cacheDir }).fetchManifest(1001));
    expect(e.message).toMatch(/^manifest\.json of dbt Cloud run 1001 is not valid JSON/);
    expect(readdirSync(cacheDir)).toEqual([]); // nothing cached
  });

  it('refuses unsupported schema versions, saying which are read', async () => {
    server.world.manifests.set(1001, manifestText(8));
    expect((await failure(client().fetchManifest(1001))).message).toBe(
      'manifest.json of dbt Cloud run 1001 uses manifest schema v8 (dbt 1.4); Backflow reads v9 to v12 (dbt 1.5 and later)',
    );
    server.world.manifests.set(1001, manifestText(13));
    expect((await failure(client().fetchManifest(1001))).message).toMatch(
      /schema v13; Backflow reads v9 to v12/,
    );
    server.world.manifests.set(1001, JSON.stringify({ metadata: {} }));
    expect((await failure(client().fetchManifest(1001))).message).toMatch(/no metadata\.dbt_schema_version/);
  });

  it('a run without a manifest', async () => {
    const e = await failure(client().fetchManifest(1002));
    expect(e.message).toBe('dbt Cloud has no manifest.json for run 1002 in account 1234');
  });

  it('gives the loader the latest successful run with its provenance', async () => {
    const m = await manifestFromDbtCloud(client(), 42, cacheDir);
    expect(m.provenance).toBe('dbt Cloud job 42 run 1001 finished 2026-01-01T03:00:00Z');
    expect(m).toMatchObject({ job_id: 42, job_name: 'Nightly build', run_id: 1001, schema_version: 12 });
    expect(Object.keys(m.json)).toContain('nodes');
    // cached by run id: a second read sends only the job and run look-ups
    server.requests.length = 0;
    await manifestFromDbtCloud(client(), 42, cacheDir);
    expect(server.requests.map((r) => r.path)).toEqual([
      '/api/v2/accounts/1234/jobs/42/',
      '/api/v2/accounts/1234/runs/',
    ]);
  });

  it('a job without a successful run, a deleted job, an unknown job', async () => {
    expect((await failure(manifestFromDbtCloud(client(), 50))).message).toBe(
      'dbt Cloud job 50 ("Finance daily") has no successful run yet, so it has no manifest.json to read',
    );
    server.world.jobs[0].state = 2;
    expect((await failure(manifestFromDbtCloud(client(), 42))).message).toMatch(
      /job 42 \("Nightly build"\) was deleted/,
    );
    expect((await failure(manifestFromDbtCloud(client(), 7))).hint).toContain('Hourly refresh (id 43)');
  });

  it('a newer successful run wins', async () => {
    server.world.runs.push(run(1010, 42, 10, '2026-02-01 05:06:07.123456+00:00'));
    server.world.manifests.set(1010, manifestText(10));
    const m = await manifestFromDbtCloud(client(), 42);
    expect(m.provenance).toBe('dbt Cloud job 42 run 1010 finished 2026-02-01T05:06:07Z');
    expect(m.schema_version).toBe(10);
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
