/**
 * Change tracking of syncs on Postgres (see ../tracking.ts for the tables and the contract).
 *
 * - Checksum: `md5` over the primary key and the delivered columns, each written as
 *   `<length>:<text>` or `~` for null and joined with `|`. The length prefix makes every value
 *   self-delimiting, so `('a|b','c')` and `('a','b|c')` never collide.
 * - Planning runs in one transaction: the model is staged in a temporary table, duplicate keys are
 *   recorded as rejections, and the plan is materialised with anti-joins against the records table and
 *   indexed on seq for keyset paging. A fixed number of statements, whatever the number of rows.
 * - The plan table is UNLOGGED (no WAL: planning a million rows writes half as much). A server crash
 *   empties it; the resumed run then finds nothing left to send and ends `partial`, and the next run
 *   plans those rows again, because records only ever advance for accepted rows.
 * - A batch's outcomes are committed in one statement: records, rejections and the plan's outcome
 *   column move together, so a crash leaves either all of a batch recorded or none of it.
 * - DDL on the shared ledger runs under a transaction advisory lock, so two syncs starting at once do not
 *   race `create table if not exists`; a sync's tables are dropped under one on the sync's name. Creating
 *   and dropping are one message each (postgres-ddl.ts, shared with Redshift), batched by the driver with
 *   the DDL of other syncs and models asked for at the same time.
 */
import { advisoryLock, batchedDdl, type RunDdl } from './postgres-ddl';
import type { PgModule, PostgresDriver, PostgresSession } from './postgres-driver';
import { asSubquery, fitIdentifier, qualifiedName, quoteIdent, quoteLiteral } from './postgres-sql';
import { jsonSafeTypes } from './postgres-values';
import type {
  OpCounts,
  PlanCounts,
  PlannedOp,
  PlannedRow,
  Rejection,
  RowOutcome,
  RunRecord,
  RunSpec,
  SyncTracking,
  TrackingTarget,
} from '../tracking';
import { planTableName, recordsTableName, rejectionsTableName, RUNS_TABLE, zeroCounts } from '../tracking';
import { COUNT_COLUMNS, fromLedger, OPS, plannedRow } from '../sql-tracking';

type OnError = (err: unknown, doing: string) => Error;

/** One column's part of the checksum input: `<length>:<text>`, or `~` for null. */
export function checksumPart(column: string): string {
  const c = `(q.${quoteIdent(column)})::text`;
  return `coalesce(length(${c})::text || ':' || ${c}, '~')`;
}

/** The checksum of a row over `columns` (primary key first). */
export function checksumExpression(columns: readonly string[]): string {
  return `md5(${columns.map(checksumPart).join(` || '|' || `)})`;
}

const ISO = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface LedgerRow {
  run_id: string;
  sync: string;
  trigger: string;
  status: RunRecord['status'];
  started_at: string;
  finished_at: string | null;
  null_keys: string;
  duplicate_keys: string;
  error: string | null;
  [column: string]: unknown;
}

export class PostgresTracking implements SyncTracking {
  private readonly ddl: RunDdl;

  constructor(
    private readonly driver: PostgresDriver,
    private readonly pg: PgModule,
    private readonly onError: OnError,
  ) {
    this.ddl = batchedDdl(driver, onError);
  }

  get statements(): number {
    return this.driver.roundTrips;
  }

  private records(t: TrackingTarget): string {
    return qualifiedName(t.schema, fitIdentifier(recordsTableName(t.sync)));
  }

  private rejectionsTable(t: TrackingTarget): string {
    return qualifiedName(t.schema, fitIdentifier(rejectionsTableName(t.sync)));
  }

  private plan(t: TrackingTarget): string {
    return qualifiedName(t.schema, fitIdentifier(planTableName(t.sync)));
  }

  private ledger(schema: string): string {
    return qualifiedName(schema, RUNS_TABLE);
  }

  /** Runs `fn` in one transaction on the session, rolling back on any error (and always, with `undo`). */
  private transaction<T>(doing: string, fn: (s: PostgresSession) => Promise<T>, undo = false): Promise<T> {
    return this.driver
      .exclusive(async (s) => {
        await s.query('begin');
        try {
          const out = await fn(s);
          await s.query(undo ? 'rollback' : 'commit');
          return out;
        } catch (err) {
          await s.query('rollback').catch(() => undefined);
          throw err;
        }
      })
      .catch((err) => {
        throw this.onError(err, doing);
      });
  }

  async missingTables(t: TrackingTarget): Promise<string[]> {
    const wanted = [recordsTableName(t.sync), rejectionsTableName(t.sync)];
    const tables = [this.records(t), this.rejectionsTable(t)];
    // A view or sequence under the name is not the sync's table: only ordinary tables count.
    const found = await this.driver
      .exclusive((s) =>
        s.query<{ kind: string | null }>(
          `select (select c.relkind::text from pg_catalog.pg_class c where c.oid = to_regclass(u.n)) as kind
             from unnest($1::text[]) with ordinality as u(n, i) order by u.i`,
          [tables],
        ),
      )
      .catch((err) => {
        throw this.onError(err, `reading the tracking tables of sync ${JSON.stringify(t.sync)}`);
      });
    return wanted.filter((_, i) => !['r', 'p'].includes(found.rows[i]?.kind ?? ''));
  }

  /**
   * One message, one implicit transaction: the ledger's advisory lock, then every `create ... if not
   * exists`. The driver commits the tables of syncs an apply creates together in one transaction.
   */
  async ensureTables(t: TrackingTarget): Promise<void> {
    await this.ddl(
      [
        advisoryLock(`${t.schema}.${RUNS_TABLE}`),
        `create table if not exists ${this.ledger(t.schema)} (
  run_id text primary key,
  sync text not null,
  trigger text not null,
  status text not null,
  started_at timestamptz not null,
  finished_at timestamptz,
${COUNT_COLUMNS.map((c) => `  ${c} bigint not null default 0,`).join('\n')}
  null_keys bigint not null default 0,
  duplicate_keys bigint not null default 0,
  error text
)`,
        `create index if not exists ${quoteIdent(`${RUNS_TABLE}_sync_started`)} on ${this.ledger(t.schema)} (sync, started_at desc)`,
        `create table if not exists ${this.records(t)} (
  record_id text primary key,
  checksum text,
  status text not null default 'synced',
  last_error text,
  updated_at timestamptz not null default now()
)`,
        `create table if not exists ${this.rejectionsTable(t)} (
  run_id text not null,
  record_id text not null,
  op text not null,
  reason text not null,
  rejected_at timestamptz not null default now()
)`,
        `create index if not exists ${quoteIdent(fitIdentifier(`${rejectionsTableName(t.sync)}_run`))} on ${this.rejectionsTable(t)} (run_id)`,
      ],
      `creating the tracking tables of sync ${JSON.stringify(t.sync)}`,
    );
  }

  /**
   * One message, one implicit transaction (was four round trips: begin, lock, drops, commit): the sync's
   * advisory lock, then its three `drop table if exists`. Syncs an apply destroys together are dropped in
   * one transaction; if that fails, each sync's drop runs again alone and fails or succeeds on its own.
   */
  async dropTables(t: TrackingTarget): Promise<void> {
    await this.ddl(
      [
        advisoryLock(`${t.schema}.${t.sync}`),
        ...[this.records(t), this.rejectionsTable(t), this.plan(t)].map(
          (table) => `drop table if exists ${table}`,
        ),
      ],
      `dropping the tracking tables of sync ${JSON.stringify(t.sync)}`,
    );
  }

  async resetTracking(t: TrackingTarget): Promise<void> {
    await this.transaction(`resetting the tracking of sync ${JSON.stringify(t.sync)}`, async (s) => {
      await s.query(`truncate table ${this.records(t)}`);
    });
  }

  async planRun(spec: RunSpec): Promise<PlanCounts> {
    return this.transaction(`planning run ${spec.runId} of sync ${JSON.stringify(spec.sync)}`, (s) =>
      this.planOn(s, spec),
    );
  }

  async dryRun(spec: RunSpec, sample: number): Promise<{ counts: PlanCounts; samples: PlannedRow[] }> {
    const types = jsonSafeTypes(this.pg);
    return this.transaction(
      `planning a dry run of sync ${JSON.stringify(spec.sync)}`,
      async (s) => {
        const counts = await this.planOn(s, spec);
        const { rows } = await s.query<Record<string, unknown>>(
          `select * from (select p.*, row_number() over (partition by __bf_op order by __bf_seq) as __bf_n from ${this.plan(spec)} p) x
            where __bf_n <= $1 order by __bf_seq`,
          [sample],
          types,
        );
        return { counts, samples: rows.map(plannedRow) };
      },
      true,
    );
  }

  /** The statements of planning, on a session already inside a transaction. */
  private async planOn(s: PostgresSession, spec: RunSpec): Promise<PlanCounts> {
    const t: TrackingTarget = spec;
    const cols = spec.columns;
    const stageCols = cols.map((c) => `q.${quoteIdent(c)}`).join(', ');
    const uCols = cols.map((c) => `u.${quoteIdent(c)}`).join(', ');
    const nullCols = cols.map((c) => `null as ${quoteIdent(c)}`).join(', ');
    const outCols = cols.map((c) => `o.${quoteIdent(c)}`).join(', ');
    const R = this.records(t);
    const opCase = spec.fullResync
      ? `'add'`
      : `case when r.record_id is null then 'add' when r.status = 'rejected' then 'retry' else 'change' end`;
    const changedOnly = spec.fullResync
      ? ''
      : `where r.record_id is null or r.status = 'rejected' or r.checksum is distinct from u.__bf_checksum`;
    const removals =
      spec.mode === 'mirror'
        ? `union all
  select 'remove', r.record_id, null::text, ${nullCols}
    from ${R} r
   where r.checksum is not null
     and not exists (select 1 from __bf_stage s where s.__bf_record_id = r.record_id)`
        : '';
    {
      // Hashing and sorting the stage in memory rather than in temporary files.
      await s.query(`set local work_mem = '64MB'`);
      await s.query(`create temporary table __bf_stage on commit drop as
select (q.${quoteIdent(spec.primaryKey)})::text as __bf_record_id,
       ${checksumExpression(cols)} as __bf_checksum,
       ${stageCols}
  from ${asSubquery(spec.modelSql)}`);
      const counted = await s.query<{ rows: string; null_keys: string }>(
        `select count(*)::text as rows, count(*) filter (where __bf_record_id is null)::text as null_keys from __bf_stage`,
      );
      await s.query(`create temporary table __bf_dups on commit drop as
select __bf_record_id, count(*) as n from __bf_stage where __bf_record_id is not null group by 1 having count(*) > 1`);
      const dupReason = `'duplicate primary key ' || ${quoteLiteral(spec.primaryKey)} || ': ' || d.n || ' rows share this value; none is sent until it is unique'`;
      await s.multi(`insert into ${this.rejectionsTable(t)} (run_id, record_id, op, reason)
select ${quoteLiteral(spec.runId)}, d.__bf_record_id,
       case when exists (select 1 from ${R} r where r.record_id = d.__bf_record_id) then 'change' else 'add' end,
       ${dupReason}
  from __bf_dups d;
insert into ${R} (record_id, checksum, status, last_error)
select d.__bf_record_id, null, 'rejected', ${dupReason} from __bf_dups d
on conflict (record_id) do update set status = 'rejected', last_error = excluded.last_error, updated_at = now();
delete from ${R} r where r.checksum is null
   and not exists (select 1 from __bf_stage s where s.__bf_record_id = r.record_id);
drop table if exists ${this.plan(t)};
create unlogged table ${this.plan(t)} as
with u as (
  select s.* from __bf_stage s
   where s.__bf_record_id is not null
     and not exists (select 1 from __bf_dups d where d.__bf_record_id = s.__bf_record_id)
), ops as (
  select ${opCase} as __bf_op, u.__bf_record_id, u.__bf_checksum, ${uCols}
    from u left join ${R} r on r.record_id = u.__bf_record_id
  ${changedOnly}
  ${removals}
)
select (row_number() over (order by (o.__bf_op = 'remove'), o.__bf_record_id collate "C"))::bigint as __bf_seq,
       ${quoteLiteral(spec.runId)}::text as __bf_run_id,
       o.__bf_op, o.__bf_record_id, o.__bf_checksum, ${outCols},
       null::text as __bf_outcome
  from ops o;
alter table ${this.plan(t)} add primary key (__bf_seq)`);
      const planned = await this.countPlan(s, t);
      const dups = await s.query<{ n: string }>(`select count(*)::text as n from __bf_dups`);
      return {
        planned,
        modelRows: Number(counted.rows[0].rows),
        nullKeys: Number(counted.rows[0].null_keys),
        duplicateKeys: Number(dups.rows[0].n),
      };
    }
  }

  private async countPlan(s: PostgresSession, t: TrackingTarget): Promise<OpCounts> {
    const { rows } = await s.query<{ op: PlannedOp; n: string }>(
      `select __bf_op as op, count(*)::text as n from ${this.plan(t)} group by 1`,
    );
    const counts = zeroCounts();
    for (const r of rows) counts[r.op] = Number(r.n);
    return counts;
  }

  async planCounts(t: TrackingTarget, runId: string): Promise<PlanCounts | undefined> {
    return this.driver
      .exclusive(async (s) => {
        const exists = await s.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [
          this.plan(t),
        ]);
        if (!exists.rows[0].ok) return undefined;
        const owner = await s.query<{ run: string }>(
          `select __bf_run_id as run from ${this.plan(t)} limit 1`,
        );
        if (owner.rows.length > 0 && owner.rows[0].run !== runId) return undefined;
        const planned = await this.countPlan(s, t);
        const run = await this.getRunOn(s, t.schema, runId);
        return {
          planned,
          modelRows: 0,
          nullKeys: run?.nullKeys ?? 0,
          duplicateKeys: run?.duplicateKeys ?? 0,
        };
      })
      .catch((err) => {
        throw this.onError(err, `reading the plan of run ${runId}`);
      });
  }

  async readPlan(t: TrackingTarget, runId: string, afterSeq: number, limit: number): Promise<PlannedRow[]> {
    const types = jsonSafeTypes(this.pg);
    return this.driver
      .exclusive(async (s) => {
        const { rows } = await s.query<Record<string, unknown>>(
          `select * from ${this.plan(t)} where __bf_seq > $1 and __bf_outcome is null and __bf_run_id = $2 order by __bf_seq limit $3`,
          [afterSeq, runId, limit],
          types,
        );
        return rows.map(plannedRow);
      })
      .catch((err) => {
        throw this.onError(err, `reading the plan of run ${runId}`);
      });
  }

  /**
   * One statement, so one round trip and atomic by itself: data-modifying CTEs upsert the records of
   * accepted and rejected rows (a rejected row keeps its old checksum), delete accepted removals, append
   * the rejections, and mark each row's outcome in the plan.
   */
  async commitBatch(t: TrackingTarget, runId: string, outcomes: RowOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const R = this.records(t);
    await this.driver
      .query(
        `with v as (
  select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::boolean[], $6::text[])
    as v(seq, id, op, chk, ok, why)
), up as (
  insert into ${R} as r (record_id, checksum, status, last_error, updated_at)
  select id, case when ok then chk end, case when ok then 'synced' else 'rejected' end, case when ok then null else why end, now()
    from v where not ok or op <> 'remove'
  on conflict (record_id) do update set
    checksum = case when excluded.status = 'synced' then excluded.checksum else r.checksum end,
    status = excluded.status, last_error = excluded.last_error, updated_at = now()
  returning 1
), del as (
  delete from ${R} where record_id in (select id from v where ok and op = 'remove') returning 1
), rej as (
  insert into ${this.rejectionsTable(t)} (run_id, record_id, op, reason)
  -- Not twice for one run, record and operation: a batch committed again adds nothing.
  select $7, id, op, why from v
   where not ok
     and not exists (select 1 from ${this.rejectionsTable(t)} x where x.run_id = $7 and x.record_id = v.id and x.op = v.op)
  returning 1
)
update ${this.plan(t)} p set __bf_outcome = case when v.ok then 'accepted' else 'rejected' end
  from v where p.__bf_seq = v.seq`,
        [
          outcomes.map((o) => o.seq),
          outcomes.map((o) => o.recordId),
          outcomes.map((o) => o.op),
          outcomes.map((o) => o.checksum),
          outcomes.map((o) => o.accepted),
          outcomes.map((o) => (o.accepted ? null : (o.reason ?? 'rejected'))),
          runId,
        ],
      )
      .catch((err) => {
        throw this.onError(err, `recording delivered rows of run ${runId}`);
      });
  }

  async finishPlan(t: TrackingTarget, runId: string): Promise<void> {
    await this.transaction(`dropping the plan of run ${runId}`, async (s) => {
      await s.query(`drop table if exists ${this.plan(t)}`);
    });
  }

  async insertRun(schema: string, run: RunRecord): Promise<void> {
    const values = this.ledgerValues(run);
    await this.transaction(`recording run ${run.runId}`, async (s) => {
      await s.query(
        `insert into ${this.ledger(schema)} (${Object.keys(values).join(', ')}) values (${Object.keys(values)
          .map((_, i) => `$${i + 1}`)
          .join(', ')})`,
        Object.values(values),
      );
    });
  }

  async updateRun(schema: string, run: RunRecord): Promise<void> {
    const values = this.ledgerValues(run);
    const keys = Object.keys(values).filter((k) => k !== 'run_id');
    await this.transaction(`recording run ${run.runId}`, async (s) => {
      await s.query(
        `update ${this.ledger(schema)} set ${keys.map((k, i) => `${k} = $${i + 2}`).join(', ')} where run_id = $1`,
        [run.runId, ...keys.map((k) => values[k])],
      );
    });
  }

  private ledgerValues(run: RunRecord): Record<string, unknown> {
    const out: Record<string, unknown> = {
      run_id: run.runId,
      sync: run.sync,
      trigger: run.trigger,
      status: run.status,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      null_keys: run.nullKeys,
      duplicate_keys: run.duplicateKeys,
      error: run.error,
    };
    for (const op of OPS) {
      out[`planned_${op}`] = run.planned[op];
      out[`accepted_${op}`] = run.accepted[op];
      out[`rejected_${op}`] = run.rejected[op];
    }
    return out;
  }

  private selectRuns(schema: string): string {
    return `select run_id, sync, trigger, status, ${ISO('started_at')} as started_at,
       ${ISO('finished_at')} as finished_at, ${COUNT_COLUMNS.map((c) => `${c}::text`).join(', ')},
       null_keys::text, duplicate_keys::text, error
  from ${this.ledger(schema)}`;
  }

  private async getRunOn(s: PostgresSession, schema: string, runId: string): Promise<RunRecord | undefined> {
    const { rows } = await s.query<LedgerRow>(`${this.selectRuns(schema)} where run_id = $1`, [runId]);
    return rows[0] ? fromLedger(rows[0]) : undefined;
  }

  async listRuns(schema: string, sync: string | undefined, limit: number): Promise<RunRecord[]> {
    return this.driver
      .exclusive(async (s) => {
        if (!(await this.ledgerExists(s, schema))) return [];
        const { rows } = await s.query<LedgerRow>(
          `${this.selectRuns(schema)} where ($1::text is null or sync = $1) order by started_at desc, run_id desc limit $2`,
          [sync ?? null, limit],
        );
        return rows.map(fromLedger);
      })
      .catch((err) => {
        throw this.onError(err, 'reading the run ledger');
      });
  }

  async getRun(schema: string, runId: string): Promise<RunRecord | undefined> {
    return this.driver
      .exclusive(async (s) =>
        (await this.ledgerExists(s, schema)) ? this.getRunOn(s, schema, runId) : undefined,
      )
      .catch((err) => {
        throw this.onError(err, 'reading the run ledger');
      });
  }

  async unfinishedRun(schema: string, sync: string): Promise<RunRecord | undefined> {
    return this.driver
      .exclusive(async (s) => {
        const { rows } = await s.query<LedgerRow>(
          `${this.selectRuns(schema)} where sync = $1 and status = 'running' order by started_at desc limit 1`,
          [sync],
        );
        return rows[0] ? fromLedger(rows[0]) : undefined;
      })
      .catch((err) => {
        throw this.onError(err, 'reading the run ledger');
      });
  }

  async rejections(t: TrackingTarget, runId: string | undefined, limit: number): Promise<Rejection[]> {
    return this.driver
      .exclusive(async (s) => {
        const exists = await s.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [
          this.rejectionsTable(t),
        ]);
        if (!exists.rows[0].ok) return [];
        const { rows } = await s.query<{
          run_id: string;
          record_id: string;
          op: PlannedOp;
          reason: string;
          at: string;
        }>(
          `select run_id, record_id, op, reason, ${ISO('rejected_at')} as at from ${this.rejectionsTable(t)}
            where ($1::text is null or run_id = $1) order by rejected_at desc, record_id limit $2`,
          [runId ?? null, limit],
        );
        return rows.map((r) => ({
          runId: r.run_id,
          recordId: r.record_id,
          op: r.op,
          reason: r.reason,
          rejectedAt: r.at,
        }));
      })
      .catch((err) => {
        throw this.onError(err, 'reading rejections');
      });
  }

  private async ledgerExists(s: PostgresSession, schema: string): Promise<boolean> {
    const { rows } = await s.query<{ ok: boolean }>(`select to_regclass($1) is not null as ok`, [
      this.ledger(schema),
    ]);
    return rows[0].ok;
  }
}
