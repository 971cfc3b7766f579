/** Types for snowflake-server.js (plain CommonJS so tests, the e2e CLI runs and benchmarks share it). */
export interface SnowflakeTestServer {
  url: string;
  port: number;
  /** Upper-cased account name the server answers to. */
  account: string;
  log: {
    requests: { method: string; path: string; body: any }[];
    logins: { user: string; authenticator: string; body: any }[];
    statements: string[];
  };
  addWarehouse(name: string): void;
  createDatabase(name: string, schemas?: string[]): Promise<void>;
  addRole(name: string): void;
  grant(role: string, privilege: string, grantedOn: string, object: string): void;
  grantRole(role: string, toRole: string): void;
  revokeAll(role: string): void;
  addUser(user: {
    name: string;
    password?: string;
    publicKey?: string;
    defaultRole?: string;
    roles?: string[];
  }): void;
  setNetworkPolicy(deniedIp: string | null): void;
  /** Snowflake SQL as an administrator, identifiers folded as Snowflake does. */
  sql(text: string, database?: string): Promise<void>;
  /** DuckDB SQL directly; rows as JSON arrays. */
  duck(text: string): Promise<unknown[][]>;
  sessionCount(): number;
  stop(): Promise<void>;
}
export function startSnowflakeServer(options?: {
  account?: string;
  host?: string;
}): Promise<SnowflakeTestServer>;
export function translate(sql: string): string;
export function resolve(name: string): string;
