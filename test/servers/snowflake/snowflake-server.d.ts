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
    /** Session tokens renewed with the master token after a 390112. */
    renewals: number;
    /** Result chunks downloaded by the client. */
    chunkDownloads: number;
    /** GETs of a statement's result URL after "in progress". */
    resultPolls: number;
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
  /** One Snowflake SELECT as an administrator; rows as JSON arrays (names compare exactly). */
  query(text: string, database?: string): Promise<unknown[][]>;
  sessionCount(): number;
  /** Every statement answers "in progress" `polls` times (333334, then 333333 per poll) before its result. */
  setQueryInProgress(polls: number): void;
  /** Rows per result chunk (default 1000): larger results arrive as chunks the client downloads. */
  setChunkRows(rows: number): void;
  /** Expires every session token issued so far: the next request gets 390112 and the client renews. */
  expireSessionTokens(): void;
  stop(): Promise<void>;
}
export function startSnowflakeServer(options?: {
  account?: string;
  host?: string;
}): Promise<SnowflakeTestServer>;
export function translate(sql: string): string;
export function resolve(name: string): string;
