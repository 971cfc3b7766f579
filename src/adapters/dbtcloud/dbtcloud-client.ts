/**
 * The dbt Cloud Administrative API v2 client for one account: the account, projects, environments, jobs
 * (every page), runs, and run or job artifacts (`manifest.json`). Requests go through DbtCloudHttp
 * (retries, timeouts); responses are the documented envelope `{ status, data, extra: { pagination } }`.
 * HTTP failures become DbtCloudErrors that say what to do; the key is in no message.
 */
import pLimit from 'p-limit';
import {
  DbtCloudError,
  httpError,
  scrub,
  scrubbed,
  unknownAccountError,
  type DbtCloudErrorKind,
} from './dbtcloud-errors';
import { hostOf } from './dbtcloud-host';
import { DbtCloudHttp, type HttpOptions, type HttpResponse } from './dbtcloud-http';
import {
  manifestCachePath,
  parseManifest,
  readCachedManifest,
  writeCachedManifest,
  type ParsedManifest,
} from './dbtcloud-manifest';
import {
  OBJECT_STATE,
  RUN_STATUS,
  type DbtCloudAccount,
  type DbtCloudApi,
  type DbtCloudEnvironment,
  type DbtCloudJob,
  type DbtCloudLinkSettings,
  type DbtCloudProject,
  type DbtCloudRun,
  type DbtCloudWebhook,
  type DbtCloudWebhookInput,
  type Envelope,
  type JobSummary,
} from './dbtcloud-types';

export interface DbtCloudClientOptions extends HttpOptions {
  /** Items per page when listing (dbt Cloud allows at most 100). */
  pageSize?: number;
  /** Folder for cached manifests (by run id). Without it, manifests are not cached. */
  cacheDir?: string;
}

type Params = Record<string, string | number | undefined>;

/** How a 404 reads for one request. */
type NotFound = () => DbtCloudError | Promise<DbtCloudError>;

export class DbtCloudClient implements DbtCloudApi {
  readonly host: string;
  readonly accountId: number;
  private readonly http: DbtCloudHttp;
  private readonly apiKey: string;
  private readonly pageSize: number;
  private readonly cacheDir?: string;

  /** Throws a config-level DbtCloudError (with `field`) for a malformed access_url or subdomain. */
  constructor(settings: DbtCloudLinkSettings, options: DbtCloudClientOptions = {}) {
    this.host = hostOf(settings);
    this.accountId = settings.account_id;
    this.apiKey = settings.api_key;
    const { pageSize, cacheDir, ...http } = options;
    this.pageSize = Math.min(100, Math.max(1, pageSize ?? 100));
    this.cacheDir = cacheDir;
    this.http = new DbtCloudHttp(this.host, settings.api_key, http);
  }

  get requests(): number {
    return this.http.requests;
  }

  private get base(): string {
    return `/api/v2/accounts/${this.accountId}`;
  }

  async account(): Promise<DbtCloudAccount> {
    return (await this.call<DbtCloudAccount>(`${this.base}/`)).data;
  }

  projects(): Promise<DbtCloudProject[]> {
    return this.list<DbtCloudProject>(`${this.base}/projects/`);
  }

  environments(): Promise<DbtCloudEnvironment[]> {
    return this.list<DbtCloudEnvironment>(`${this.base}/environments/`);
  }

  /** Every job of the account, every page. */
  jobs(): Promise<DbtCloudJob[]> {
    return this.list<DbtCloudJob>(`${this.base}/jobs/`, { order_by: 'id' });
  }

  async job(jobId: number): Promise<DbtCloudJob> {
    return (await this.call<DbtCloudJob>(`${this.base}/jobs/${jobId}/`, {}, () => this.unknownJob(jobId)))
      .data;
  }

  async project(projectId: number): Promise<DbtCloudProject> {
    return (await this.call<DbtCloudProject>(`${this.base}/projects/${projectId}/`)).data;
  }

  async jobSummary(jobId: number): Promise<JobSummary> {
    const job = await this.job(jobId);
    let project = job.project?.name;
    if (project === undefined) {
      try {
        project = (await this.project(job.project_id)).name;
      } catch (err) {
        if (!(err instanceof DbtCloudError && (err.kind === 'forbidden' || err.status === 404))) throw err;
      }
    }
    return summaryOf(job, new Map(project ? [[job.project_id, project]] : []), new Map());
  }

  /**
   * Every job with its project's and environment's names: the jobs (all pages), and the projects and
   * environments only when jobs do not embed them. Names that cannot be read show as `project 7`.
   */
  async jobSummaries(opts: { environments?: boolean } = {}): Promise<JobSummary[]> {
    const jobs = await this.jobs();
    const needProjects = jobs.some((j) => !j.project?.name);
    const needEnvironments = opts.environments !== false && jobs.some((j) => !j.environment?.name);
    const [projects, environments] = await Promise.all([
      needProjects ? this.namesOf(this.projects()) : new Map<number, string>(),
      needEnvironments ? this.namesOf(this.environments()) : new Map<number, string>(),
    ]);
    return jobs.map((j) => summaryOf(j, projects, environments));
  }

  /** Runs of the account, newest first by default; one page of at most `limit` (no paging). */
  async runs(params: Params & { limit?: number }): Promise<DbtCloudRun[]> {
    const env = await this.call<DbtCloudRun[]>(`${this.base}/runs/`, { order_by: '-id', ...params });
    return Array.isArray(env.data) ? env.data : [];
  }

  async latestSuccessfulRun(jobId: number): Promise<DbtCloudRun | undefined> {
    const [run] = await this.runs({
      job_definition_id: jobId,
      status: RUN_STATUS.success,
      order_by: '-finished_at',
      limit: 1,
    });
    return run;
  }

  async lastRun(jobId: number): Promise<DbtCloudRun | undefined> {
    const [run] = await this.runs({ job_definition_id: jobId, order_by: '-id', limit: 1 });
    return run;
  }

  /** Last run of each job, `concurrency` requests at a time. */
  async lastRuns(jobIds: number[], concurrency = 5): Promise<Map<number, DbtCloudRun | undefined>> {
    const limit = pLimit(concurrency);
    const runs = await Promise.all(jobIds.map((id) => limit(() => this.lastRun(id))));
    return new Map(jobIds.map((id, i) => [id, runs[i]]));
  }

  private get v3(): string {
    return `/api/v3/accounts/${this.accountId}/webhooks`;
  }

  /** Every webhook subscription of the account (v3; every page). */
  webhooks(): Promise<DbtCloudWebhook[]> {
    return this.list<DbtCloudWebhook>(`${this.v3}/subscriptions`);
  }

  async createWebhook(input: DbtCloudWebhookInput): Promise<DbtCloudWebhook> {
    const env = await this.write<DbtCloudWebhook>('POST', `${this.v3}/subscriptions`, input);
    if (!env?.data?.id)
      throw this.err('bad_response', `${this.host} answered a webhook create without an id`);
    return env.data;
  }

  async updateWebhook(id: string, input: DbtCloudWebhookInput): Promise<DbtCloudWebhook | undefined> {
    const path = `${this.v3}/subscription/${encodeURIComponent(id)}`;
    const env = await this.write<DbtCloudWebhook>('PUT', path, input);
    return env?.data;
  }

  async deleteWebhook(id: string): Promise<boolean> {
    const path = `${this.v3}/subscription/${encodeURIComponent(id)}`;
    return (await this.write<unknown>('DELETE', path)) !== undefined;
  }

  /** A v3 webhook write: the envelope, undefined for a 404 on a single subscription, or a DbtCloudError. */
  private async write<T>(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<Envelope<T> | undefined> {
    let res: HttpResponse;
    try {
      res = await this.http.request(method, path, {}, body);
    } catch (err) {
      throw err instanceof DbtCloudError ? scrubbed(err, this.apiKey) : err;
    }
    if (res.status === 404 && method !== 'POST') return undefined;
    if (res.status < 200 || res.status >= 300) throw this.webhookError(method, path, res);
    try {
      return JSON.parse(res.text === '' ? '{"data":null}' : res.text) as Envelope<T>;
    } catch {
      throw this.err('bad_response', `${this.host} answered ${method} ${path} with a body that is not JSON`);
    }
  }

  private webhookError(method: string, path: string, res: HttpResponse): DbtCloudError {
    const said = userMessageOf(res.text);
    if (res.status === 403)
      return new DbtCloudError(
        'webhook_forbidden',
        `the API key may not manage webhooks in account ${this.accountId} at ${this.host} (HTTP 403)`,
        'Give the service token the "Webhooks Only" permission set (or Account Admin), or set ' +
          'trigger_mode "poll" to have the agent poll the job\'s runs instead.' +
          (said ? ` dbt Cloud said: ${scrub(said, this.apiKey)}` : ''),
        { status: 403 },
      );
    if (res.status === 400)
      return new DbtCloudError(
        'webhook_invalid',
        `dbt Cloud refused ${method} ${path} (HTTP 400)${said ? `: ${scrub(said, this.apiKey)}` : ''}`,
        'Check webhook_url: dbt Cloud must accept it as the address it delivers job events to.',
        { status: 400 },
      );
    return scrubbed(
      httpError(res.status, {
        host: this.host,
        accountId: this.accountId,
        url: path,
        userMessage: said,
      }),
      this.apiKey,
    );
  }

  /** A run's manifest.json, checked; cached in `cacheDir` by run id (a run's artifacts never change). */
  async fetchManifest(runId: number, cacheDir = this.cacheDir): Promise<ParsedManifest> {
    const what = `manifest.json of dbt Cloud run ${runId}`;
    const cached =
      cacheDir === undefined ? undefined : manifestCachePath(cacheDir, this.host, this.accountId, runId);
    if (cached !== undefined) {
      const hit = readCachedManifest(cached, what);
      if (hit !== undefined) return hit;
    }
    const res = await this.fetch(`${this.base}/runs/${runId}/artifacts/manifest.json`, {}, () =>
      this.noArtifact(`run ${runId}`),
    );
    const parsed = parseManifest(res.text, what);
    if (cached !== undefined) writeCachedManifest(cached, res.text);
    return parsed;
  }

  /** The manifest.json of a job's latest successful run, as dbt Cloud picks it (not cached: no run id). */
  async fetchJobManifest(jobId: number): Promise<ParsedManifest> {
    const res = await this.fetch(`${this.base}/jobs/${jobId}/artifacts/manifest.json`, {}, () =>
      this.noArtifact(`job ${jobId}`),
    );
    return parseManifest(res.text, `manifest.json of dbt Cloud job ${jobId}`);
  }

  /** Every page of a list endpoint (`offset`/`limit`, until `extra.pagination.total_count`). */
  private async list<T>(path: string, params: Params = {}): Promise<T[]> {
    const out: T[] = [];
    for (let offset = 0, pages = 0; pages < 10_000; pages++) {
      const env = await this.call<T[]>(path, { ...params, offset, limit: this.pageSize });
      const page = Array.isArray(env.data) ? env.data : [];
      out.push(...page);
      offset += page.length;
      const total = env.extra?.pagination?.total_count;
      const done = total === undefined ? page.length < this.pageSize : offset >= total;
      if (page.length === 0 || done) break;
    }
    return out;
  }

  /** A JSON request: the envelope, or a DbtCloudError. */
  private async call<T>(path: string, params: Params = {}, notFound?: NotFound): Promise<Envelope<T>> {
    const res = await this.fetch(path, params, notFound);
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      body = undefined;
    }
    if (typeof body !== 'object' || body === null || !('data' in body)) {
      throw this.err(
        'bad_response',
        `${this.host} answered GET ${new URL(res.url).pathname} with ${res.contentType || 'a body'} that is not the dbt Cloud API's JSON`,
        'Check access_url (or subdomain): it should be the host dbt Cloud serves your account from.',
      );
    }
    return body as Envelope<T>;
  }

  /** Any request: a 2xx response, or a DbtCloudError saying what went wrong. */
  private async fetch(path: string, params: Params, notFound?: NotFound): Promise<HttpResponse> {
    let res: HttpResponse;
    try {
      res = await this.http.get(path, params);
    } catch (err) {
      throw err instanceof DbtCloudError ? scrubbed(err, this.apiKey) : err;
    }
    if (res.status >= 200 && res.status < 300) return res;
    if (res.status >= 300 && res.status < 400) {
      const to = res.location ? new URL(res.location, this.host).origin : 'another location';
      throw this.err(
        'config',
        `dbt Cloud at ${this.host} redirected GET ${new URL(res.url).pathname} to ${to}`,
        `Set access_url to the host your account is served from${to.startsWith('http') ? ` ("${to}")` : ''}; Backflow does not follow redirects, so the key only ever goes to the configured host.`,
        { field: 'access_url' },
      );
    }
    if (path.startsWith('/api/v3/') && (res.status === 403 || res.status === 400))
      throw this.webhookError('GET', path, res);
    if (res.status === 404) {
      // Under /accounts/N/, a 404 without a more precise reading means the account itself is unknown.
      if (notFound) throw scrubbed(await notFound(), this.apiKey);
      throw unknownAccountError(this.host, this.accountId);
    }
    const e = httpError(res.status, {
      host: this.host,
      accountId: this.accountId,
      url: new URL(res.url).pathname,
      userMessage: userMessageOf(res.text),
    });
    throw scrubbed(e, this.apiKey);
  }

  private async unknownJob(jobId: number): Promise<DbtCloudError> {
    let known = '';
    try {
      const jobs = (await this.jobs()).filter((j) => j.state !== OBJECT_STATE.deleted);
      known = jobs.length === 0 ? 'The account has no jobs.' : describeJobs(jobs);
    } catch {
      known = 'Run `backflow dbt-cloud jobs NAME` to list the jobs that exist.';
    }
    return new DbtCloudError(
      'unknown_job',
      `dbt Cloud job ${jobId} does not exist in account ${this.accountId}`,
      known,
      { status: 404 },
    );
  }

  private noArtifact(of: string): DbtCloudError {
    return new DbtCloudError(
      'manifest',
      `dbt Cloud has no manifest.json for ${of} in account ${this.accountId}`,
      'Artifacts are kept for runs that parsed the project (dbt build, run, compile, docs generate) and ' +
        'for a limited time: let the job run again.',
      { status: 404 },
    );
  }

  private err(
    kind: DbtCloudErrorKind,
    message: string,
    hint?: string,
    extra?: { field?: string },
  ): DbtCloudError {
    return new DbtCloudError(kind, scrub(message, this.apiKey), scrub(hint, this.apiKey), extra);
  }

  private async namesOf(items: Promise<{ id: number; name: string }[]>): Promise<Map<number, string>> {
    try {
      return new Map((await items).map((i) => [i.id, i.name]));
    } catch (err) {
      // A key that may read jobs but not this list: the names show as ids rather than failing the plan.
      if (err instanceof DbtCloudError && (err.kind === 'forbidden' || err.status === 404)) return new Map();
      throw err;
    }
  }
}

function summaryOf(
  j: DbtCloudJob,
  projects: Map<number, string>,
  environments: Map<number, string>,
): JobSummary {
  return {
    id: j.id,
    name: j.name,
    state: j.state === OBJECT_STATE.deleted ? 'deleted' : 'active',
    project_id: j.project_id,
    project: j.project?.name ?? projects.get(j.project_id) ?? `project ${j.project_id}`,
    environment_id: j.environment_id,
    environment:
      j.environment?.name ?? environments.get(j.environment_id) ?? `environment ${j.environment_id}`,
  };
}

/** The jobs as lines `  Nightly build (id 42)`: at most `max` named, then the count of the rest. */
export function describeJobs(jobs: readonly { id: number; name: string }[], max = 20): string {
  const shown = jobs.slice(0, max).map((j) => `  ${j.name} (id ${j.id})`);
  const more = jobs.length > max ? [`  … and ${jobs.length - max} more`] : [];
  return ['Jobs in this account:', ...shown, ...more].join('\n');
}

function userMessageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as Envelope<unknown>;
    const m = body?.status?.user_message;
    return typeof m === 'string' && m.trim() !== '' ? m.trim().slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}
