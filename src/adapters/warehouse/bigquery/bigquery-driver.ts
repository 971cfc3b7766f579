/**
 * The @google-cloud/bigquery client for one source, with an explicit auth client (never the library's own
 * discovery, which would probe the GCE metadata server): a service-account key signs its own JWT access
 * tokens (no token exchange), and without a key, Application Default Credentials are used as configured
 * by the environment (METADATA_SERVER_DETECTION=none is honoured). Every API call is counted.
 */
import { randomUUID } from 'node:crypto';
import type { BigQuery, BigQueryOptions } from '@google-cloud/bigquery';
import type { BigQuerySettings } from './bigquery-settings';

export type BigQueryModule = typeof import('@google-cloud/bigquery');
export type AuthModule = typeof import('google-auth-library');

export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';

export interface Field {
  name: string;
  type: string;
  mode?: string;
  fields?: Field[];
}

export interface QueryResult {
  fields: Field[];
  /** Raw REST rows: { f: [{ v }] }. */
  rows: { f: { v: unknown }[] }[];
}

interface JobReference {
  jobId: string;
  location?: string;
}

interface QueryResponse {
  jobComplete?: boolean;
  jobReference?: JobReference;
  schema?: { fields?: Field[] };
  rows?: QueryResult['rows'];
  pageToken?: string;
}

/** How long one jobs.query / jobs.getQueryResults call waits for the job (BigQuery's default is 10 s). */
const POLL_WAIT_MS = 10_000;
/** After jobTimeoutMs, the time BigQuery gets to stop the job itself before Backflow cancels it. */
const CANCEL_GRACE_MS = 1_000;

/** Marks a call that ran out of time. */
export class BigQueryTimeout extends Error {
  readonly code = 'BACKFLOW_TIMEOUT';
}

export function bigQueryOptions(settings: BigQuerySettings, auth: AuthModule): BigQueryOptions {
  let authClient: BigQueryOptions['authClient'];
  if (settings.credentials) {
    const jwt = new auth.JWT({
      email: settings.credentials.client_email,
      key: settings.credentials.private_key,
      keyId: settings.credentials.private_key_id,
      scopes: [BIGQUERY_SCOPE],
    });
    // Sign access tokens locally instead of exchanging them at oauth2.googleapis.com.
    jwt.useJWTAccessWithScope = true;
    authClient = jwt;
  } else {
    // The library accepts a GoogleAuth (it resolves the client on first use); its type says AuthClient.
    authClient = new auth.GoogleAuth({
      scopes: [BIGQUERY_SCOPE],
      projectId: settings.project_id,
    }) as unknown as BigQueryOptions['authClient'];
  }
  const options: BigQueryOptions = {
    projectId: settings.project_id,
    location: settings.location,
    authClient,
    userAgent: 'backflow',
    maxRetries: 2,
  };
  if (settings.api_endpoint) options.apiEndpoint = settings.api_endpoint;
  return options;
}

export class BigQueryDriver {
  /** API calls made (queries, dry runs, dataset calls). */
  roundTrips = 0;
  readonly client: BigQuery;

  constructor(
    bigquery: BigQueryModule,
    auth: AuthModule,
    private readonly settings: BigQuerySettings,
  ) {
    this.client = new bigquery.BigQuery(bigQueryOptions(settings, auth));
  }

  /**
   * One query job, bounded by `timeoutMs` on BigQuery's side as well as here. jobs.query waits at most
   * POLL_WAIT_MS for the result; past that BigQuery answers `jobComplete: false` and the job keeps running
   * (and billing), so Backflow polls jobs.getQueryResults until the result or the deadline. The job carries
   * `jobTimeoutMs`, so BigQuery stops it by itself; if it is still running CANCEL_GRACE_MS after that,
   * Backflow cancels it (jobs.cancel) before reporting the timeout, so no query outlives the command.
   * Counts as one round trip however many polls and pages it takes.
   */
  async query(sql: string, timeoutMs = this.settings.statement_timeout_ms): Promise<QueryResult> {
    this.roundTrips += 1;
    const deadline = Date.now() + timeoutMs + CANCEL_GRACE_MS;
    const wait = () => Math.max(0, Math.min(POLL_WAIT_MS, deadline - Date.now()));
    let response = await this.call<QueryResponse>({
      method: 'POST',
      uri: '/queries',
      json: {
        query: sql,
        useLegacySql: false,
        location: this.settings.location,
        labels: { tool: 'backflow' },
        timeoutMs: wait(),
        jobTimeoutMs: String(timeoutMs),
        formatOptions: { useInt64Timestamp: true },
        requestId: randomUUID(),
      },
    });
    const job = response.jobReference;
    const results = (extra: Record<string, unknown>) =>
      this.call<QueryResponse>({
        uri: `/queries/${encodeURIComponent(job!.jobId)}`,
        qs: { location: job!.location, 'formatOptions.useInt64Timestamp': true, ...extra },
      });
    while (!response.jobComplete) {
      if (!job) throw new Error('BigQuery answered jobComplete: false without a job reference');
      if (Date.now() >= deadline) {
        await this.cancel(job);
        throw new BigQueryTimeout(`timed out after ${timeoutMs} ms; job ${job.jobId} cancelled`);
      }
      response = await results({ timeoutMs: wait() });
    }
    const rows = [...(response.rows ?? [])];
    for (let token = response.pageToken; token;) {
      const next = await results({ pageToken: token });
      rows.push(...(next.rows ?? []));
      token = next.pageToken;
    }
    return { fields: response.schema?.fields ?? [], rows };
  }

  /** jobs.cancel, best effort: the job may have finished meanwhile. */
  private async cancel(job: JobReference): Promise<void> {
    await this.call({
      method: 'POST',
      uri: `/jobs/${encodeURIComponent(job.jobId)}/cancel`,
      qs: { location: job.location },
    }).catch(() => undefined);
  }

  /** One REST call through the library (its auth, retries and endpoint), bounded in time. */
  private call<T = unknown>(request: {
    method?: string;
    uri: string;
    json?: unknown;
    qs?: Record<string, unknown>;
  }): Promise<T> {
    const wait = typeof request.qs?.timeoutMs === 'number' ? request.qs.timeoutMs : 0;
    const bodyWait = (request.json as { timeoutMs?: number } | undefined)?.timeoutMs ?? 0;
    return this.bounded(
      new Promise<T>((resolve, reject) =>
        this.client.request(request as never, (err: Error | null, body?: unknown) =>
          err ? reject(err) : resolve(body as T),
        ),
      ),
      Math.max(wait, bodyWait) + this.settings.connect_timeout_ms,
    );
  }

  /** A dry run: BigQuery validates and plans the query, returns its schema, and bills nothing. */
  async dryRun(sql: string): Promise<Field[]> {
    this.roundTrips += 1;
    const [, response] = await this.bounded(
      this.client.createQueryJob({
        query: sql,
        location: this.settings.location,
        dryRun: true,
        useLegacySql: false,
      }),
      this.settings.connect_timeout_ms,
    );
    const stats = (response as { statistics?: { query?: { schema?: { fields?: Field[] } } } }).statistics;
    return stats?.query?.schema?.fields ?? [];
  }

  /** datasets.get: the dataset's metadata (throws the API error: 404, 403, ...). */
  async getDataset(name: string): Promise<Record<string, unknown>> {
    this.roundTrips += 1;
    const [metadata] = await this.bounded(
      this.client.dataset(name).getMetadata(),
      this.settings.connect_timeout_ms,
    );
    return metadata as Record<string, unknown>;
  }

  async createDataset(name: string): Promise<void> {
    this.roundTrips += 1;
    await this.bounded(
      this.client.createDataset(name, { location: this.settings.location }),
      this.settings.connect_timeout_ms,
    );
  }

  /** HTTP calls have no overall deadline in the library: bound them (sign-in and network included). */
  private bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BigQueryTimeout(`timed out after ${ms} ms`)), ms + 1000);
      timer.unref?.();
    });
    promise.catch(() => undefined);
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
