/**
 * The @google-cloud/bigquery client for one source, with an explicit auth client (never the library's own
 * discovery, which would probe the GCE metadata server): a service-account key signs its own JWT access
 * tokens (no token exchange), and without a key, Application Default Credentials are used as configured
 * by the environment (METADATA_SERVER_DETECTION=none is honoured). Every API call is counted.
 */
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
   * One jobs.query call (more only when BigQuery is still running the query and the library polls).
   * `timeoutMs` up to 200 s is BigQuery's own wait (it caps the wait there); beyond, the library polls and
   * the overall deadline is enforced here.
   */
  async query(sql: string, timeoutMs = this.settings.statement_timeout_ms): Promise<QueryResult> {
    this.roundTrips += 1;
    const run = this.client.query(
      {
        query: sql,
        location: this.settings.location,
        useLegacySql: false,
        skipParsing: true,
        labels: { tool: 'backflow' },
      },
      timeoutMs <= 200_000 ? { timeoutMs } : {},
    );
    const result = (await this.bounded(run, timeoutMs)) as unknown as [
      unknown,
      unknown,
      { schema?: { fields?: Field[] }; rows?: QueryResult['rows'] },
    ];
    const response = result[2] ?? {};
    return {
      fields: response.schema?.fields ?? [],
      rows: (result[0] as QueryResult['rows']) ?? response.rows ?? [],
    };
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
