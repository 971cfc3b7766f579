/**
 * The change-tracking snapshot table's lifecycle, the same in every SQL warehouse: created idempotently (a
 * crashed apply may run it again), emptied when a model's output changes, dropped with the model. Each
 * dialect gives its column types and how it runs a statement.
 */

import { UserError } from '../../errors';
import type { SyncTracking } from './tracking';

/** A warehouse whose dialect has no change tracking yet: apply skips tracking tables, runs refuse. */
export class TrackingUnavailableError extends UserError {
  constructor(warehouse: string) {
    super(`sync runs on ${warehouse} are not available in this version of Backflow`);
    this.name = 'TrackingUnavailableError';
  }
}

export interface SnapshotTarget {
  schema: string;
  model: string;
}

/** Which of the three statements is run: a dialect may treat them differently (Redshift's TRUNCATE commits). */
export type SnapshotStatement = 'create' | 'reset' | 'drop';

/** Runs one DDL statement; `doing` names it for error messages. */
export type RunSnapshotStatement = (
  doing: string,
  sql: string,
  target: SnapshotTarget,
  statement: SnapshotStatement,
) => Promise<unknown>;

export class SnapshotDdl {
  constructor(
    private readonly run: RunSnapshotStatement,
    /** The quoted, qualified table name of a model's snapshot in `schema`. */
    private readonly relation: (schema: string, model: string) => string,
    /** Column definitions in the dialect: pk, row_hash, synced_at. */
    private readonly columns: string,
  ) {}

  async create(schema: string, model: string): Promise<void> {
    await this.run(
      `creating the snapshot table of model ${JSON.stringify(model)}`,
      `create table if not exists ${this.relation(schema, model)} (\n${this.columns}\n)`,
      { schema, model },
      'create',
    );
  }

  async reset(schema: string, model: string): Promise<void> {
    await this.run(
      `emptying the snapshot table of model ${JSON.stringify(model)}`,
      `truncate table ${this.relation(schema, model)}`,
      { schema, model },
      'reset',
    );
  }

  async drop(schema: string, model: string): Promise<void> {
    await this.run(
      `dropping the snapshot table of model ${JSON.stringify(model)}`,
      `drop table if exists ${this.relation(schema, model)}`,
      { schema, model },
      'drop',
    );
  }
}

/**
 * The three snapshot methods of the WarehouseAdapter interface, served by the adapter's SnapshotDdl: every
 * SQL warehouse adapter extends this rather than repeating the delegation.
 */
export abstract class SnapshotTables {
  /** The dialect's snapshot DDL: its column types and how it runs a statement. */
  protected abstract readonly snapshots: SnapshotDdl;
  abstract readonly warehouse: string;

  /** Change tracking of sync runs; each dialect overrides this with its own SQL (tracking.ts). */
  tracking(): SyncTracking {
    throw new TrackingUnavailableError(this.warehouse);
  }

  async createSnapshot(schema: string, model: string): Promise<void> {
    await this.snapshots.create(schema, model);
  }

  async resetSnapshot(schema: string, model: string): Promise<void> {
    await this.snapshots.reset(schema, model);
  }

  async dropSnapshot(schema: string, model: string): Promise<void> {
    await this.snapshots.drop(schema, model);
  }
}
