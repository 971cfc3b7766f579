/** Types for databricks-server.js (plain CommonJS so tests, e2e CLI runs and benchmarks share it). */
export interface DatabricksTestServer {
  host: string;
  port: number;
  httpPath: string;
  /** PEM of the server's throw-away certificate (the "ca_cert" setting trusts it). */
  caCert: string;
  log: {
    httpRequests: number;
    statements: string[];
    /** Thrift calls by name (ExecuteStatement, GetOperationStatus, FetchResults, ...). */
    calls: string[];
    /** What each ExecuteStatement asked for. */
    executes: { arrow: boolean; lz4: boolean; cloudFetch: boolean; runAsync: boolean; maxRows?: number }[];
  };
  /** Every statement answers RUNNING n times (direct results, then GetOperationStatus) before its end. */
  setRunningPolls(n: number): void;
  /** Rows per page (direct results and each FetchResults) and per Arrow batch within a page. */
  setPaging(pageRows: number, batchRows?: number): void;
  /** Operations not closed yet. */
  operationCount(): number;
  addCatalog(name: string, owner?: string): Promise<void>;
  addToken(token: string, user: string, groups?: string[]): void;
  grant(privilege: string, grantee: string, catalog: string, schema?: string): Promise<void>;
  setIpAccessList(blockedIp: string | null): void;
  sql(text: string, catalog?: string): Promise<void>;
  duck(text: string): Promise<unknown[][]>;
  stop(): Promise<void>;
}
export function startDatabricksServer(options?: {
  httpPath?: string;
  catalog?: string;
}): Promise<DatabricksTestServer>;
export function translate(sql: string): string;
