/** Types for bigquery-server.js (plain CommonJS so tests, e2e CLI runs and benchmarks share it). */
export interface BigQueryTestServer {
  url: string;
  port: number;
  project: string;
  location: string;
  log: { requests: { method: string; path: string; body: any }[]; queries: string[]; dryRuns: string[] };
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
