/**
 * Several statements in ONE round trip, each sent with the extended query protocol (Parse, Bind, Describe,
 * Execute) and a single Sync at the end. Two guarantees come from the server, not from Backflow's lexer:
 *  - a Parse message holds exactly one statement (Postgres answers "cannot insert multiple commands into a
 *    prepared statement" otherwise), so model SQL can never smuggle a second statement such as `COMMIT`;
 *  - the statements are wrapped in `BEGIN TRANSACTION READ ONLY` ... `ROLLBACK`, so whatever a query calls
 *    (a function that deletes rows, `nextval`, `COPY ... TO PROGRAM`) fails instead of writing.
 * After an error the server skips everything up to the Sync, and the transaction is left aborted: the
 * caller sends a `ROLLBACK` of its own (see PostgresDriver.readOnly).
 *
 * `pg` accepts any object with `submit(connection)` as a query (as pg-cursor does); this is one.
 */
import type { CustomTypesConfig, FieldDef, QueryResult } from 'pg';

export interface PipelineStep {
  text: string;
  values?: unknown[];
  types?: CustomTypesConfig;
}

interface PgConnection {
  parse(msg: { text: string; name?: string }): void;
  bind(msg: { values?: unknown[]; valueMapper?: unknown }): void;
  describe(msg: { type: 'P'; name: string }): void;
  execute(msg: { portal: string }): void;
  sync(): void;
  stream: { cork?: () => void; uncork?: () => void };
}

interface PgResult {
  fields: FieldDef[];
  rows: unknown[];
  command: string | null;
  rowCount: number | null;
  addFields(fields: FieldDef[]): void;
  parseRow(data: unknown[]): unknown;
  addRow(row: unknown): void;
  addCommandComplete(msg: unknown): void;
}

type ResultCtor = new (rowMode: string | undefined, types: CustomTypesConfig | undefined) => PgResult;

/** The statement that failed, so callers can tell which model's query the error belongs to. */
export class PipelineError extends Error {
  constructor(
    readonly cause: Error & Record<string, unknown>,
    /** Index into the steps given to the pipeline (not counting BEGIN). */
    readonly step: number,
  ) {
    super(cause.message);
    Object.assign(this, cause);
    this.message = cause.message;
  }
}

export class ReadOnlyPipeline {
  callback?: (err: Error | null, results?: QueryResult[]) => void;
  private readonly results: PgResult[] = [];
  /** Index into `all`: the statement whose messages arrive now. */
  private current = 0;
  private failed: Error | undefined;
  private readonly all: PipelineStep[];

  constructor(
    steps: readonly PipelineStep[],
    Result: ResultCtor,
    private readonly valueMapper: unknown,
  ) {
    this.all = [{ text: 'begin transaction read only' }, ...steps, { text: 'rollback' }];
    for (const step of this.all) this.results.push(new Result(undefined, step.types));
  }

  /** Every statement of the round trip, for logs and tests that watch what is sent. */
  get text(): string {
    return this.all.map((s) => s.text).join(';\n');
  }

  /** Called by pg when the connection is ready: every message at once, then one Sync. */
  submit(connection: PgConnection): Error | null {
    connection.stream.cork?.();
    try {
      for (const step of this.all) {
        connection.parse({ text: step.text });
        connection.bind({ values: step.values ?? [], valueMapper: this.valueMapper });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '' });
      }
      connection.sync();
    } catch (err) {
      return err as Error;
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(msg: { fields: FieldDef[] }): void {
    this.results[this.current].addFields(msg.fields);
  }

  handleDataRow(msg: { fields: unknown[] }): void {
    if (this.failed) return;
    const result = this.results[this.current];
    try {
      result.addRow(result.parseRow(msg.fields));
    } catch (err) {
      this.failed = err as Error;
    }
  }

  handleCommandComplete(msg: unknown): void {
    this.results[this.current].addCommandComplete(msg);
    this.current += 1;
  }

  handleEmptyQuery(): void {
    this.current += 1;
  }

  handlePortalSuspended(): void {
    // Portals run to completion (no row limit): nothing is ever suspended.
  }

  handleCopyInResponse(): void {
    // COPY FROM STDIN cannot run in a read-only transaction; the server's error follows.
  }

  handleCopyData(): void {
    // nothing is copied out to us
  }

  handleError(err: Error & Record<string, unknown>): void {
    // The server skips to our Sync; pg forgets this query and waits for ReadyForQuery by itself.
    this.callback?.(new PipelineError(err, Math.max(0, this.current - 1)));
    this.callback = undefined;
  }

  handleReadyForQuery(): void {
    if (this.failed) this.callback?.(this.failed);
    else this.callback?.(null, this.results.slice(1, -1) as unknown as QueryResult[]);
    this.callback = undefined;
  }
}
