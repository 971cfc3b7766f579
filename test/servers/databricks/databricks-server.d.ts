/** Types for databricks-server.js (plain CommonJS so tests, e2e CLI runs and benchmarks share it). */
export interface DatabricksTestServer {
  host: string;
  port: number;
  httpPath: string;
  /** PEM of the server's throw-away certificate (the "ca_cert" setting trusts it). */
  caCert: string;
  log: { httpRequests: number; statements: string[] };
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
