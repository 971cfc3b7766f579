/**
 * DDL as one batched write, shared by Postgres and Redshift: statements without parameters joined into one
 * simple-protocol message (one implicit transaction, one round trip), which the driver may commit together
 * with other DDL asked for at the same time (`PostgresDriver.batchedWrite`: the tables of many syncs or
 * models an apply creates or drops; a failed batch is run again one write at a time, so each resource gets
 * its own result or error, mapped here with the `doing` of its own call).
 */
import type { PostgresDriver } from './postgres-driver';
import { quoteLiteral } from './postgres-sql';

/** Runs `statements` as one message; a failure is `onError(err, doing)`. */
export type RunDdl = (statements: readonly string[], doing: string) => Promise<void>;

export function batchedDdl(driver: PostgresDriver, onError: (err: unknown, doing: string) => Error): RunDdl {
  return (statements, doing) =>
    driver.batchedWrite(statements.join(';\n')).catch((err: unknown) => {
      throw onError(err, doing);
    });
}

/**
 * A transaction-scoped advisory lock on `name` (Postgres only; Redshift has none), to put first in a DDL
 * message: a process killed mid-statement leaves its server session running the DDL to commit, and the
 * lock makes the next DDL on the same name wait for it instead of racing it.
 */
export function advisoryLock(name: string): string {
  return `select pg_advisory_xact_lock(hashtextextended(${quoteLiteral(`backflow:${name}`)}, 0))`;
}
