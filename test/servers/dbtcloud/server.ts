/**
 * A protocol-level dbt Cloud Administrative API v2 server for tests, on 127.0.0.1 with an ephemeral port
 * (access_url `http://127.0.0.1:PORT`). It serves the documented envelope
 * `{ status: { code, is_success, user_message, developer_message }, data, extra: { pagination } }` for
 * accounts, projects, environments, jobs and runs, with `offset`/`limit` pagination (at most 100 a page),
 * run and job artifacts (`manifest.json`), `Authorization: Token` checks (401 for an unknown key, 403 for
 * a key without access to the account), deleted jobs (state 2), and injectable faults: a queue of answers
 * (429 with Retry-After, 5xx, delays) consumed by the next matching requests.
 *
 * The v3 webhooks API too: list, create, read, update and delete subscriptions (403 for a key without
 * webhook permission, 404 for an unknown subscription, 400 for an invalid body), and `deliver(run)`,
 * which POSTs a signed `job.run.completed` event to every matching subscription as dbt Cloud does. See
 * README.md for what it leaves out.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Account {
  id: number;
  name: string;
}
export interface Project {
  id: number;
  account_id: number;
  name: string;
}
export interface Environment {
  id: number;
  account_id: number;
  project_id: number;
  name: string;
  type: 'development' | 'deployment';
}
export interface Job {
  id: number;
  account_id: number;
  project_id: number;
  environment_id: number;
  name: string;
  /** 1 active, 2 deleted. */
  state: number;
}
export interface Run {
  id: number;
  account_id: number;
  job_definition_id: number;
  status: number;
  created_at: string;
  finished_at: string | null;
}

/** One injected answer. `status` 0 with `delayMs` only delays the real answer. */
export interface Fault {
  /** Substring of the path (with query) this applies to; any request when absent. */
  path?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (for timeouts). */
  delayMs?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
}

export interface Subscription {
  id: string;
  account_id: number;
  name: string;
  description: string;
  client_url: string;
  event_types: string[];
  job_ids: number[];
  active: boolean;
  hmac_secret: string;
}

export const EVENT_TYPES = ['job.run.started', 'job.run.completed', 'job.run.errored'];

export interface Delivery {
  subscription: string;
  url: string;
  status: number;
  body: string;
}

export interface DbtCloudWorld {
  /** Webhook subscriptions (v3). */
  webhooks?: Subscription[];
  /** Keys that may manage webhooks; every key may when absent. Others get 403 from the v3 API. */
  webhookKeys?: Set<string>;
  accounts: Account[];
  projects: Project[];
  environments: Environment[];
  jobs: Job[];
  runs: Run[];
  /** Manifest text by run id. */
  manifests: Map<number, string>;
  /** API key → the account ids it may read (`[]`: a valid key without access: 403). */
  keys: Map<string, number[]>;
  /** Whether list endpoints include deleted jobs (state 2). Default false. */
  listDeletedJobs: boolean;
  /** Whether job objects embed `project` and `environment`. Default false. */
  embedRelated: boolean;
}

export interface DbtCloudTestServer {
  url: string;
  port: number;
  world: DbtCloudWorld;
  requests: RequestRecord[];
  /** Queues answers for the next requests whose path contains `fault.path`. */
  fault(...faults: Fault[]): void;
  /**
   * Sends `job.run.completed` for `run` to every active subscription listing its job (or every job), signed
   * with the subscription's hmac_secret like dbt Cloud (bare hex HMAC-SHA256 of the body), `times` times
   * (dbt's retries re-send the same eventId). Resolves with the answers.
   */
  deliver(run: Run, times?: number): Promise<Delivery[]>;
  stop(): Promise<void>;
}

export const MAX_PAGE = 100;

export function manifestText(version = 12, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    metadata: {
      dbt_schema_version: `https://schemas.getdbt.com/dbt/manifest/v${version}.json`,
      dbt_version: '1.8.0',
      generated_at: '2026-01-02T03:04:05Z',
    },
    nodes: {},
    sources: {},
    ...extra,
  });
}

/** A small account: "Acme Analytics" (1234) with two projects, three jobs and some runs. */
export function sampleWorld(key: string): DbtCloudWorld {
  return {
    accounts: [
      { id: 1234, name: 'Acme Analytics' },
      { id: 99, name: 'Someone Else' },
    ],
    projects: [
      { id: 7, account_id: 1234, name: 'Analytics' },
      { id: 8, account_id: 1234, name: 'Finance' },
    ],
    environments: [
      { id: 70, account_id: 1234, project_id: 7, name: 'Production', type: 'deployment' },
      { id: 80, account_id: 1234, project_id: 8, name: 'Prod (finance)', type: 'deployment' },
    ],
    jobs: [
      { id: 42, account_id: 1234, project_id: 7, environment_id: 70, name: 'Nightly build', state: 1 },
      { id: 43, account_id: 1234, project_id: 7, environment_id: 70, name: 'Hourly refresh', state: 1 },
      { id: 50, account_id: 1234, project_id: 8, environment_id: 80, name: 'Finance daily', state: 1 },
    ],
    runs: [
      run(1001, 42, 10, '2026-01-01 03:00:00.000000+00:00'),
      run(1002, 42, 20, '2026-01-02 03:00:00.000000+00:00'),
      run(1003, 43, 10, '2026-01-02 04:00:00.000000+00:00'),
      run(1004, 42, 3, null),
    ],
    manifests: new Map([
      [1001, manifestText(12)],
      [1003, manifestText(11)],
    ]),
    keys: new Map([[key, [1234]]]),
    listDeletedJobs: false,
    embedRelated: false,
  };
}

export function run(id: number, job: number, status: number, finishedAt: string | null, account = 1234): Run {
  return {
    id,
    account_id: account,
    job_definition_id: job,
    status,
    created_at: '2026-01-01 00:00:00.000000+00:00',
    finished_at: finishedAt,
  };
}

export async function startDbtCloudServer(world: DbtCloudWorld): Promise<DbtCloudTestServer> {
  const requests: RequestRecord[] = [];
  const faults: Fault[] = [];
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      send(res, 500, envelope(500, null, String(err)));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      authorization: req.headers.authorization,
    });
    const full = url.pathname + url.search;
    const i = faults.findIndex((f) => f.path === undefined || full.includes(f.path));
    if (i >= 0) {
      const [f] = faults.splice(i, 1);
      if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
      if (f.status) {
        res.writeHead(f.status, { 'content-type': 'application/json', ...f.headers });
        res.end(f.body ?? JSON.stringify(envelope(f.status, null, `injected ${f.status}`)));
        return;
      }
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    route(req, res, url, query, Buffer.concat(chunks).toString('utf8'));
  }

  /** The v3 webhooks API. Its envelope is v2's. */
  function v3(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    query: Record<string, string>,
    text: string,
  ): void {
    const m = /^\/api\/v3\/accounts\/(\d+)\/webhooks\/(subscriptions|subscription\/([^/]+))\/?$/.exec(
      url.pathname,
    );
    if (!m) return send(res, 404, envelope(404, null, 'Not found.'));
    const auth = /^Token (.+)$/.exec(req.headers.authorization ?? '');
    const allowed = auth ? world.keys.get(auth[1]) : undefined;
    if (allowed === undefined) return send(res, 401, envelope(401, null, 'Invalid token.'));
    const accountId = Number(m[1]);
    const account = world.accounts.find((a) => a.id === accountId);
    if (!account) return send(res, 404, envelope(404, null, 'Not found.'));
    const mayManage = world.webhookKeys === undefined || world.webhookKeys.has(auth![1]);
    if (!allowed.includes(accountId) || !mayManage)
      return send(res, 403, envelope(403, null, 'You do not have permission to perform this action.'));
    const subs = (world.webhooks ??= []);
    const mine = subs.filter((s) => s.account_id === accountId);
    if (m[2] === 'subscriptions') {
      if (req.method === 'GET') return send(res, 200, page(mine.map(shown), query));
      if (req.method !== 'POST') return send(res, 405, envelope(405, null, 'Method not allowed'));
      const input = validate(text, accountId, true);
      if (typeof input === 'string') return send(res, 400, envelope(400, null, input));
      const sub: Subscription = {
        id: `wsu_${randomBytes(9).toString('base64url')}`,
        account_id: accountId,
        name: input.name!,
        description: input.description ?? '',
        client_url: input.client_url!,
        event_types: input.event_types!,
        job_ids: input.job_ids ?? [],
        active: input.active ?? true,
        hmac_secret: randomBytes(24).toString('hex'),
      };
      subs.push(sub);
      // Only the create's answer carries the secret.
      return send(res, 201, envelope(201, { ...shown(sub), hmac_secret: sub.hmac_secret }));
    }
    const sub = mine.find((s) => s.id === decodeURIComponent(m[3]));
    if (!sub) return send(res, 404, envelope(404, null, 'Webhook subscription not found.'));
    if (req.method === 'GET') return send(res, 200, envelope(200, shown(sub)));
    if (req.method === 'DELETE') {
      subs.splice(subs.indexOf(sub), 1);
      return send(res, 200, envelope(200, shown(sub)));
    }
    if (req.method !== 'PUT') return send(res, 405, envelope(405, null, 'Method not allowed'));
    const input = validate(text, accountId, false);
    if (typeof input === 'string') return send(res, 400, envelope(400, null, input));
    Object.assign(sub, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
    return send(res, 200, envelope(200, shown(sub)));
  }

  /** A create or update body, or why dbt Cloud would refuse it. */
  function validate(text: string, accountId: number, create: boolean): Partial<Subscription> | string {
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return 'JSON parse error';
    }
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'Invalid body';
    const out: Partial<Subscription> = {};
    if (create || b.name !== undefined) {
      if (typeof b.name !== 'string' || b.name.trim() === '') return 'name: This field is required.';
      out.name = b.name;
    }
    if (b.description !== undefined) out.description = String(b.description);
    if (create || b.client_url !== undefined) {
      let ok = false;
      try {
        ok = ['http:', 'https:'].includes(new URL(String(b.client_url)).protocol);
      } catch {
        ok = false;
      }
      if (typeof b.client_url !== 'string' || !ok) return 'client_url: Enter a valid URL.';
      out.client_url = b.client_url;
    }
    if (create || b.event_types !== undefined) {
      const types = b.event_types;
      if (
        !Array.isArray(types) ||
        types.length === 0 ||
        types.some((t) => !EVENT_TYPES.includes(t as string))
      )
        return `event_types: each must be one of ${EVENT_TYPES.join(', ')}.`;
      out.event_types = types as string[];
    }
    if (b.job_ids !== undefined) {
      const ids = b.job_ids;
      if (!Array.isArray(ids) || ids.some((j) => !Number.isInteger(Number(j))))
        return 'job_ids: A valid integer is required.';
      const known = new Set(world.jobs.filter((j) => j.account_id === accountId).map((j) => j.id));
      const unknown = ids.map(Number).filter((j) => !known.has(j));
      if (unknown.length > 0) return `job_ids: job ${unknown[0]} does not exist.`;
      out.job_ids = ids.map(Number);
    }
    if (b.active !== undefined) out.active = b.active === true;
    return out;
  }

  function route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    query: Record<string, string>,
    body: string,
  ): void {
    if (url.pathname.startsWith('/api/v3/')) return v3(req, res, url, query, body);
    if (req.method !== 'GET') return send(res, 405, envelope(405, null, 'Method not allowed'));
    const m = /^\/api\/v2\/accounts\/(\d+)\/(.*)$/.exec(url.pathname);
    if (!m) return send(res, 404, envelope(404, null, 'Not found.'));
    const auth = /^Token (.+)$/.exec(req.headers.authorization ?? '');
    const allowed = auth ? world.keys.get(auth[1]) : undefined;
    if (allowed === undefined) return send(res, 401, envelope(401, null, 'Invalid token.'));
    const accountId = Number(m[1]);
    const rest = m[2];
    const account = world.accounts.find((a) => a.id === accountId);
    if (account && !allowed.includes(accountId))
      return send(res, 403, envelope(403, null, 'You do not have permission to perform this action.'));
    if (!account) return send(res, 404, envelope(404, null, 'Not found.'));

    const mine = <T extends { account_id: number }>(xs: T[]): T[] =>
      xs.filter((x) => x.account_id === accountId);
    const job = (j: Job) =>
      world.embedRelated
        ? {
            ...j,
            project: world.projects.find((p) => p.id === j.project_id) ?? null,
            environment: world.environments.find((e) => e.id === j.environment_id) ?? null,
          }
        : j;
    let parts: RegExpExecArray | null;

    if (rest === '') return send(res, 200, envelope(200, { ...account, state: 1 }));
    if (rest === 'projects/') return send(res, 200, page(mine(world.projects), query));
    if ((parts = /^projects\/(\d+)\/$/.exec(rest))) {
      const p = mine(world.projects).find((x) => x.id === Number(parts![1]));
      return p ? send(res, 200, envelope(200, p)) : send(res, 404, envelope(404, null, 'Not found.'));
    }
    if (rest === 'environments/') return send(res, 200, page(mine(world.environments), query));
    if (rest === 'jobs/') {
      const jobs = mine(world.jobs)
        .filter((j) => world.listDeletedJobs || j.state !== 2)
        .sort((a, b) => a.id - b.id);
      return send(res, 200, page(jobs.map(job), query));
    }
    if ((parts = /^jobs\/(\d+)\/$/.exec(rest))) {
      const j = mine(world.jobs).find((x) => x.id === Number(parts![1]));
      return j ? send(res, 200, envelope(200, job(j))) : send(res, 404, envelope(404, null, 'Not found.'));
    }
    if ((parts = /^jobs\/(\d+)\/artifacts\/manifest\.json$/.exec(rest))) {
      const latest = mine(world.runs)
        .filter((r) => r.job_definition_id === Number(parts![1]) && r.status === 10)
        .sort((a, b) => String(b.finished_at).localeCompare(String(a.finished_at)))[0];
      const text = latest && world.manifests.get(latest.id);
      return text ? sendText(res, text) : send(res, 404, envelope(404, null, 'Not found.'));
    }
    if (rest === 'runs/') {
      let runs = mine(world.runs);
      if (query.job_definition_id)
        runs = runs.filter((r) => r.job_definition_id === Number(query.job_definition_id));
      if (query.status) runs = runs.filter((r) => r.status === Number(query.status));
      const order = query.order_by ?? 'id';
      const key = order.replace(/^-/, '') as 'id' | 'finished_at';
      runs = [...runs].sort((a, b) =>
        String(a[key] ?? '').localeCompare(String(b[key] ?? ''), 'en', { numeric: true }),
      );
      if (order.startsWith('-')) runs.reverse();
      return send(res, 200, page(runs, query));
    }
    if ((parts = /^runs\/(\d+)\/artifacts\/manifest\.json$/.exec(rest))) {
      const text = mine(world.runs).some((r) => r.id === Number(parts![1]))
        ? world.manifests.get(Number(parts![1]))
        : undefined;
      return text !== undefined ? sendText(res, text) : send(res, 404, envelope(404, null, 'Not found.'));
    }
    return send(res, 404, envelope(404, null, 'Not found.'));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    world,
    requests,
    fault: (...f: Fault[]) => faults.push(...f),
    deliver: async (r: Run, times = 1) => {
      const out: Delivery[] = [];
      const eventId = `wev_${randomBytes(12).toString('base64url')}`;
      const targets = (world.webhooks ?? []).filter(
        (s) =>
          s.account_id === r.account_id &&
          s.active &&
          s.event_types.includes('job.run.completed') &&
          (s.job_ids.length === 0 || s.job_ids.includes(r.job_definition_id)),
      );
      for (const s of targets) {
        const body = JSON.stringify({
          accountId: r.account_id,
          webhookId: s.id,
          eventId,
          timestamp: new Date().toISOString(),
          eventType: 'job.run.completed',
          webhookName: s.name,
          data: {
            jobId: String(r.job_definition_id),
            runId: String(r.id),
            projectId: '7',
            environmentId: '70',
            runStatus: r.status === 10 ? 'Success' : r.status === 20 ? 'Errored' : 'Cancelled',
            runStatusCode: r.status,
            runStatusMessage: r.status === 10 ? 'None' : 'Failure',
            runReason: 'Kicked off from the test server',
            runStartedAt: r.created_at,
            runFinishedAt: r.finished_at,
          },
        });
        for (let i = 0; i < times; i++) {
          const sig = createHmac('sha256', s.hmac_secret).update(body).digest('hex');
          const res = await fetch(s.client_url, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json', authorization: sig },
          });
          out.push({ subscription: s.id, url: s.client_url, status: res.status, body: await res.text() });
        }
      }
      return out;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A subscription as the API shows it: job ids as strings, never the secret. */
function shown(s: Subscription) {
  const { hmac_secret: _secret, ...rest } = s;
  return { ...rest, job_ids: s.job_ids.map(String), http_status_code: null, account_identifier: null };
}

function envelope(code: number, data: unknown, message: string | null = null) {
  return {
    status: {
      code,
      is_success: code >= 200 && code < 300,
      user_message: code >= 200 && code < 300 ? 'Success!' : message,
      developer_message: '',
    },
    data,
  };
}

function page<T>(items: T[], query: Record<string, string>) {
  const offset = Math.max(0, Number(query.offset ?? 0) || 0);
  const limit = Math.min(MAX_PAGE, Math.max(1, Number(query.limit ?? MAX_PAGE) || MAX_PAGE));
  const data = items.slice(offset, offset + limit);
  return {
    ...envelope(200, data),
    extra: {
      filters: { limit, offset },
      order_by: query.order_by ?? 'id',
      pagination: { count: data.length, total_count: items.length },
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, text: string): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(text);
}
