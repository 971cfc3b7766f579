/** Types for bigquery-server.js (plain CommonJS so tests, e2e CLI runs and benchmarks share it). */
export interface BigQueryTestServer {
  url: string;
  port: number;
  project: string;
  location: string;
  log: {
    requests: { method: string; path: string; body: any }[];
    queries: string[];
    dryRuns: string[];
    /** Every query job started (not dry runs), with the jobTimeoutMs it carried. */
    jobs: { jobId: string; sql: string; jobTimeoutMs?: number }[];
    /** Jobs ended early: "stopped" (jobs.cancel) or "timeout" (jobTimeoutMs). */
    stops: { jobId: string; reason: string }[];
    /** Job ids of jobs.cancel calls. */
    cancels: string[];
  };
  /** Every new job runs until cancelled or past its jobTimeoutMs (a query that would take hours). */
  setJobsHang(on: boolean): void;
  /** Whether BigQuery manages to stop a job at its jobTimeoutMs (default true). */
  setJobTimeoutEnforced(on: boolean): void;
  /** The first n answers about each new job say jobComplete: false, whatever its speed. */
  setIncompleteAnswers(n: number): void;
  /** Rows per page of query results (default 100000). */
  setPageRows(n: number): void;
  /** The job resource as jobs.get returns it. */
  job(
    jobId: string,
  ): { status: { state: string; errorResult?: { reason: string; message: string } } } | undefined;
  createDataset(name: string, project?: string): Promise<void>;
  /** A service account with project-level roles; `json` is its key (the "credentials" secret). */
  addServiceAccount(
    name: string,
    options?: { projectRoles?: string[]; project?: string },
  ): { email: string; json: string };
  grantDataset(email: string, dataset: string, role: string, project?: string): void;
  /** GoogleSQL as an administrator. */
  sql(text: string, project?: string): Promise<void>;
  duck(text: string): Promise<unknown[][]>;
  stop(): Promise<void>;
}
export function startBigQueryServer(options?: {
  project?: string;
  location?: string;
}): Promise<BigQueryTestServer>;
export function translate(sql: string, project: string, user: string): string;
