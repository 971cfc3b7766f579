/**
 * Primary-key checks over the Postgres protocol, for Postgres and Redshift alike: the checks of up to
 * PK_BATCH models run as one read-only pipeline (one round trip) instead of one statement each. Each dialect
 * gives its own SQL (Redshift has no FILTER clause) and its error mapping. When a statement of a batch
 * fails, the batch is run again one check at a time, so every model gets its own result or its own error,
 * exactly as a single check gives them.
 */
import type { PrimaryKeyCheck, PrimaryKeyRequest } from '../warehouse';
import type { PostgresDriver } from './postgres-driver';

/** Primary-key checks sent in one round trip. */
export const PK_BATCH = 200;

/** The row a check's SQL returns: counts as text or bigint (which `pg` hands over as strings). */
interface PrimaryKeyRow {
  total: string | number;
  distinct: string | number;
  nulls: string | number;
}

function primaryKeyResult(row: PrimaryKeyRow): PrimaryKeyCheck {
  return { total: Number(row.total), distinct: Number(row.distinct), nulls: Number(row.nulls) };
}

export class PrimaryKeyChecks {
  constructor(
    private readonly driver: PostgresDriver,
    /** The dialect's check of one model: one row of `total`, `distinct` and `nulls`. */
    private readonly sqlOf: (sql: string, column: string) => string,
    /** The dialect's mapping of a driver error, given what was being done. */
    private readonly onError: (err: unknown, doing: string) => Error,
  ) {}

  /** One model's check: one statement in a read-only transaction. */
  async one(sql: string, column: string): Promise<PrimaryKeyCheck> {
    try {
      const { rows } = await this.driver.read<PrimaryKeyRow & Record<string, unknown>>(
        this.sqlOf(sql, column),
      );
      return primaryKeyResult(rows[0]);
    } catch (err) {
      throw this.onError(err, `checking primary key ${JSON.stringify(column)}`);
    }
  }

  /** Many models' checks, PK_BATCH per round trip; the batches are reads, run side by side. */
  async many(requests: readonly PrimaryKeyRequest[]): Promise<(PrimaryKeyCheck | Error)[]> {
    const batches: (readonly PrimaryKeyRequest[])[] = [];
    for (let i = 0; i < requests.length; i += PK_BATCH) batches.push(requests.slice(i, i + PK_BATCH));
    return (await Promise.all(batches.map((batch) => this.batch(batch)))).flat();
  }

  private async batch(batch: readonly PrimaryKeyRequest[]): Promise<(PrimaryKeyCheck | Error)[]> {
    try {
      const results = await this.driver.reading((session) =>
        session.readOnly(batch.map((r) => ({ text: this.sqlOf(r.sql, r.column) }))),
      );
      return results.map((result) => primaryKeyResult(result.rows[0] as PrimaryKeyRow));
    } catch {
      const out: (PrimaryKeyCheck | Error)[] = [];
      for (const r of batch) out.push(await this.one(r.sql, r.column).catch((err: Error) => err));
      return out;
    }
  }
}
