/**
 * A protocol-level dbt Cloud Administrative API v2 server for tests, on 127.0.0.1 with an ephemeral port
 * (access_url `http://127.0.0.1:PORT`). It serves the documented envelope
 * `{ status: { code, is_success, user_message, developer_message }, data, extra: { pagination } }` for
 * accounts, projects, environments, jobs and runs, with `offset`/`limit` pagination (at most 100 a page),
 * run and job artifacts (`manifest.json`), `Authorization: Token` checks (401 for an unknown key, 403 for
 * a key without access to the account), deleted jobs (state 2), and injectable faults: a queue of answers
 * (429 with Retry-After, 5xx, delays) consumed by the next matching requests.
 */
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

export interface DbtCloudWorld {
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
    route(req, res, url, query);
  }

  function route(req: IncomingMessage, res: ServerResponse, url: URL, query: Record<string, string>): void {
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
