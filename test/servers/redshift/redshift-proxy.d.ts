/** Types for redshift-proxy.js (plain CommonJS so tests and benchmarks share it). */
export interface RedshiftProxy {
  host: string;
  port: number;
  log: {
    connections: number;
    /** Statements whose text changed (quoted identifiers folded). */
    rewritten: number;
    /** Statements refused as Redshift refuses them. */
    rejected: { sql: string; code: string; message: string }[];
  };
  stop(): Promise<void>;
}
export function startRedshiftProxy(target: { host: string; port: number }): Promise<RedshiftProxy>;
