/** Types for git-http-server.js (plain CommonJS so tests and benchmarks share it). */
export interface GitHttpRequestRecord {
  method: string;
  path: string;
  status: number;
  /** Basic username presented, if any. */
  user?: string;
  /** Response body bytes sent (after the CGI headers). */
  bytes?: number;
  /** Milliseconds from starting `git http-backend` to its exit. */
  ms?: number;
  /** The response was cut (cutNextPack). */
  cut?: boolean;
}

export interface GitHttpAuth {
  /** Required Basic username, or '*' for any. */
  username: string;
  password: string;
}

export interface GitHttpServer {
  port: number;
  root: string;
  requests: GitHttpRequestRecord[];
  /** http://127.0.0.1:PORT/<name> */
  url(name: string): string;
  setAuth(auth: GitHttpAuth | undefined): void;
  /** The next upload-pack (pack) response is cut after `after` body bytes: a server dying mid-transfer. */
  cutNextPack(after: number, how?: { end?: boolean }): void;
  stop(): Promise<void>;
}

export function startGitHttpServer(options: {
  root: string;
  auth?: GitHttpAuth;
  port?: number;
}): Promise<GitHttpServer>;
