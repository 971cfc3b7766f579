/**
 * Shapes of the dbt Cloud Administrative API v2 that Backflow reads, and the contract the engine uses
 * (`DbtCloudApi`). Fields are the API's own snake_case names; only those Backflow reads are typed.
 */
import type { ParsedManifest } from './dbtcloud-manifest';

/** Run status codes of the v2 API. */
export const RUN_STATUS = {
  queued: 1,
  starting: 2,
  running: 3,
  success: 10,
  error: 20,
  cancelled: 30,
} as const;

export type RunStatusName = keyof typeof RUN_STATUS;

/** `10` → `success`; a code the API adds later shows as `status N`. */
export function runStatusName(code: number): RunStatusName | `status ${number}` {
  const found = (Object.keys(RUN_STATUS) as RunStatusName[]).find((k) => RUN_STATUS[k] === code);
  return found ?? `status ${code}`;
}

/** `state` of dbt Cloud objects (accounts, projects, jobs): 1 active, 2 deleted (soft-deleted). */
export const OBJECT_STATE = { active: 1, deleted: 2 } as const;

/** Every v2 response: `{ status, data, extra }`. */
export interface Envelope<T> {
  status: {
    code: number;
    is_success: boolean;
    user_message?: string | null;
    developer_message?: string | null;
  };
  data: T;
  extra?: { pagination?: { count: number; total_count: number } } | null;
}

export interface DbtCloudAccount {
  id: number;
  name: string;
  state?: number;
}

export interface DbtCloudProject {
  id: number;
  name: string;
  account_id?: number;
  state?: number;
}

export interface DbtCloudEnvironment {
  id: number;
  name: string;
  project_id?: number;
  /** `development` or `deployment`. */
  type?: string;
  state?: number;
}

export interface DbtCloudJob {
  id: number;
  account_id?: number;
  project_id: number;
  environment_id: number;
  name: string;
  /** 1 active, 2 deleted. */
  state: number;
  job_type?: string | null;
  /** Some responses embed the related objects; Backflow prefers them when present. */
  project?: { id: number; name: string } | null;
  environment?: { id: number; name: string } | null;
}

export interface DbtCloudRun {
  id: number;
  job_definition_id: number;
  status: number;
  status_humanized?: string;
  created_at?: string;
  finished_at?: string | null;
  is_complete?: boolean;
  is_success?: boolean;
}

/** A webhook subscription of the v3 API (`job_ids` come back as strings). */
export interface DbtCloudWebhook {
  id: string;
  name: string;
  description?: string;
  client_url: string;
  event_types: string[];
  job_ids: (string | number)[];
  active: boolean;
  /** Only in the answer to a create: the key dbt Cloud signs deliveries with. A secret. */
  hmac_secret?: string;
  http_status_code?: string | null;
  account_identifier?: string | null;
}

/** What Backflow writes to a subscription. */
export interface DbtCloudWebhookInput {
  name: string;
  description?: string;
  client_url: string;
  event_types: string[];
  job_ids: number[];
  active: boolean;
}

/** How to reach one account: its host and key (already read from the secret reference). */
export interface DbtCloudLinkSettings {
  account_id: number;
  /** Full URL of the account's host (`https://ab123.us1.dbt.com`). */
  access_url?: string;
  /** The older way to name a single-tenant host: `https://<subdomain>.getdbt.com`. */
  subdomain?: string;
  /** Never logged, never in a message. */
  api_key: string;
}

/** A job with the names of its project and environment resolved. */
export interface JobSummary {
  id: number;
  name: string;
  state: 'active' | 'deleted';
  project_id: number;
  project: string;
  environment_id: number;
  environment: string;
}

/** What the engine needs from a dbt Cloud account. Implemented by DbtCloudClient; tests may fake it. */
export interface DbtCloudApi {
  /** Base URL of the API host, for messages. */
  readonly host: string;
  readonly accountId: number;
  /** The account; throws a DbtCloudError for a rejected key (401), missing permission (403), unknown account. */
  account(): Promise<DbtCloudAccount>;
  /**
   * Every job of the account (all pages), with project and environment names (`environments: false`
   * skips reading environment names, which then show as `environment N`).
   */
  jobSummaries(opts?: { environments?: boolean }): Promise<JobSummary[]>;
  /** One job; an unknown id throws a DbtCloudError listing the jobs that exist. */
  job(jobId: number): Promise<DbtCloudJob>;
  /** One job with its project's name (one or two requests). */
  jobSummary(jobId: number): Promise<JobSummary>;
  latestSuccessfulRun(jobId: number): Promise<DbtCloudRun | undefined>;
  /** The most recent run of a job, whatever its status. */
  lastRun(jobId: number): Promise<DbtCloudRun | undefined>;
  /** The most recent run of each job (one request per job, a few at a time). */
  lastRuns(jobIds: number[]): Promise<Map<number, DbtCloudRun | undefined>>;
  /** A run's manifest.json, checked (JSON, schema v9–v12); cached in `cacheDir` by run id when given. */
  fetchManifest(runId: number, cacheDir?: string): Promise<ParsedManifest>;
  /** Requests sent so far (benchmarks and tests count them). */
  readonly requests: number;
  /** Runs of the account, newest first by default; one page of at most `limit`. */
  runs(params: Record<string, string | number | undefined> & { limit?: number }): Promise<DbtCloudRun[]>;
  /** Webhook subscriptions (v3). A key without webhook permission throws kind `webhook_forbidden`. */
  webhooks(): Promise<DbtCloudWebhook[]>;
  /** Creates a subscription; the answer carries `hmac_secret` (this once only). */
  createWebhook(input: DbtCloudWebhookInput): Promise<DbtCloudWebhook>;
  /** Updates one; undefined when it no longer exists (404). */
  updateWebhook(id: string, input: DbtCloudWebhookInput): Promise<DbtCloudWebhook | undefined>;
  /** Deletes one; false when it was already gone (404). */
  deleteWebhook(id: string): Promise<boolean>;
}
