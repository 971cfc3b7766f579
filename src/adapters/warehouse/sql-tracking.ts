/**
 * Change tracking of syncs written once in the SQL that Redshift, Snowflake, BigQuery and Databricks share
 * (see tracking.ts for the tables and the contract); each dialect folder's `<name>-tracking.ts` gives its
 * differences as a `TrackingDialect`: quoting, hash, string cast, table DDL, MERGE or UPDATE + INSERT,
 * whether DML runs in a transaction, and how values come back JSON-safe.
 *
 * - Checksum: md5 over the primary key and the delivered columns, each written as `<length>:<text>` or
 *   `~` for null, joined with `|`: every value is self-delimiting, so `('a|b','c')` and `('a','b|c')`
 *   never collide, and null, `'null'` and `''` differ.
 * - planRun: the model is staged (`stage_<sync>`: record id, checksum, columns, and how many rows share
 *   the id), duplicate ids are recorded as rejections, records never accepted and now gone are forgotten,
 *   and the plan (`plan_<sync>`) is materialised with anti-joins against the records table. A fixed
 *   number of statements whatever the number of rows; no model row passes through Node.
 * - dryRun: the same plan as one read-only SELECT over a CTE, then a sample: nothing is written.
 * - commitBatch: the batch's outcomes are staged in `batch_<sync>` (one statement), then records,
 *   rejections and last the plan's outcome column are written. Every step is idempotent and the plan's
 *   outcome is written last, so on a warehouse without multi-statement transactions a crash between two
 *   statements leaves rows without an outcome: they are sent again (idempotency keys), never lost.
 * - Ledger timestamps are ISO 8601 UTC text written by Backflow (they sort as text), so every warehouse
 *   reads them back the same way.
 */
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
} from './tracking';
import { planTableName, recordsTableName, rejectionsTableName, RUNS_TABLE, zeroCounts } from './tracking';

export type Row = Record<string, unknown>;
/** One statement; rows keyed by column name, values JSON-safe (as the adapter's previews give them). */
export type Query = (sql: string) => Promise<Row[]>;

export interface TrackingDialect {
  /** Statements sent so far by the adapter's driver. */
  readonly statements: number;
  /** Runs one statement; `doing` names it in errors. */
  query(sql: string, doing: string): Promise<Row[]>;
  /**
   * Runs DDL statements (no parameters, no rows back) as one message and one transaction, which the
   * driver may commit together with other DDL asked for at the same time (Redshift: the tables of many
   * syncs created by one apply). Without it, each statement goes through `query`, one after another.
   */
  ddl?(statements: readonly string[], doing: string): Promise<void>;
  /**
   * Runs `fn` with a query function. `dml`: writes that the warehouse can run in one transaction
   * (Snowflake's DDL commits implicitly, so only DML is wrapped there); `all`: DDL too (Redshift).
   * `undo`: roll back at the end (only asked of dialects that say `transactionalDdl`).
   * Dialects without transactions run the statements in order.
   */
  transaction<T>(
    kind: 'dml' | 'all',
    doing: string,
    fn: (q: Query) => Promise<T>,
    undo?: boolean,
  ): Promise<T>;
  /** A table of the managed schema, qualified and quoted, its name fitted to the warehouse. */
  table(schema: string, name: string): string;
  ident(name: string): string;
  literal(value: string): string;
  /** The model query as a derived table aliased `alias` (quoted by `ident`). */
  model(sql: string, alias: string): string;
  /** Column types of the tracking tables. */
  types: { text: string; bigint: string };
  /** `create table X as <select>` replacing X: one or two statements. */
  createTableAs(table: string, select: string): string[];
  /** Appended to `create table if not exists ... (...)` (Databricks: `using delta`). */
  tableOptions: string;
  /** md5 as lower-case hex of a string expression. */
  md5(expr: string): string;
  /**
   * The text form of model column `expr` for the checksum. `types` holds the model's column types when
   * the dialect asked for them (`describe`).
   */
  textOf(expr: string, column: string, types: ReadonlyMap<string, string> | undefined): string;
  /** Column types of the model, when `textOf` needs them (Redshift cannot cast a boolean to text). */
  describe?(modelSql: string): Promise<ReadonlyMap<string, string>>;
  /** MERGE INTO (Snowflake, BigQuery, Databricks) or UPDATE ... FROM then INSERT ... anti-join (Redshift). */
  merge: boolean;
  /** Whether a table exists in the managed schema (asked of the warehouse's catalog). */
  tableExists(schema: string, name: string): Promise<boolean>;
}

/** Operations in the ledger's column order (`planned_add`, `planned_change`, …). */
export const OPS: readonly PlannedOp[] = ['add', 'change', 'remove', 'retry'];
/** The ledger's count columns, in order. */
export const COUNT_COLUMNS = (['planned', 'accepted', 'rejected'] as const).flatMap((kind) =>
  OPS.map((op) => `${kind}_${op}`),
);
/** Reasons and errors are cut here: they are for people, and every warehouse stores this much. */
const MAX_TEXT = 4000;

/** Outcomes staged per statement in commitBatch. */
const STAGE_ROWS = 1000;

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);
const iso = (text: string): string => {
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? text : d.toISOString();
};

export const stageTableName = (sync: string): string => `stage_${sync}`;
export const batchTableName = (sync: string): string => `batch_${sync}`;

export class SqlTracking implements SyncTracking {
  constructor(private readonly d: TrackingDialect) {}

  get statements(): number {
    return this.d.statements;
  }

  private i(name: string): string {
    return this.d.ident(name);
  }

  private s(value: string | null | undefined): string {
    return value === null || value === undefined
      ? `cast(null as ${this.d.types.text})`
      : this.d.literal(value);
  }

  private n(value: number): string {
    return `cast(${Math.trunc(value)} as ${this.d.types.bigint})`;
  }

  private tables(t: TrackingTarget) {
    return {
      records: this.d.table(t.schema, recordsTableName(t.sync)),
      rejections: this.d.table(t.schema, rejectionsTableName(t.sync)),
      plan: this.d.table(t.schema, planTableName(t.sync)),
      stage: this.d.table(t.schema, stageTableName(t.sync)),
      batch: this.d.table(t.schema, batchTableName(t.sync)),
    };
  }

  private ledger(schema: string): string {
    return this.d.table(schema, RUNS_TABLE);
  }

  async missingTables(t: TrackingTarget): Promise<string[]> {
    const missing: string[] = [];
    for (const name of [recordsTableName(t.sync), rejectionsTableName(t.sync)])
      if (!(await this.d.tableExists(t.schema, name))) missing.push(name);
    return missing;
  }

  async ensureTables(t: TrackingTarget): Promise<void> {
    const { text, bigint } = this.d.types;
    const i = (c: string) => this.i(c);
    const doing = `creating the tracking tables of sync ${JSON.stringify(t.sync)}`;
    const { records, rejections } = this.tables(t);
    const ledger = `create table if not exists ${this.ledger(t.schema)} (
  ${i('run_id')} ${text} not null,
  ${i('sync')} ${text} not null,
  ${i('trigger')} ${text} not null,
  ${i('status')} ${text} not null,
  ${i('started_at')} ${text} not null,
  ${i('finished_at')} ${text},
${COUNT_COLUMNS.map((c) => `  ${i(c)} ${bigint},`).join('\n')}
  ${i('null_keys')} ${bigint},
  ${i('duplicate_keys')} ${bigint},
  ${i('error')} ${text}
)${this.d.tableOptions}`;
    const recordsDdl = `create table if not exists ${records} (
  ${i('record_id')} ${text} not null,
  ${i('checksum')} ${text},
  ${i('status')} ${text} not null,
  ${i('last_error')} ${text},
  ${i('updated_at')} ${text} not null
)${this.d.tableOptions}`;
    const rejectionsDdl = `create table if not exists ${rejections} (
  ${i('run_id')} ${text} not null,
  ${i('record_id')} ${text} not null,
  ${i('op')} ${text} not null,
  ${i('reason')} ${text} not null,
  ${i('rejected_at')} ${text} not null
)${this.d.tableOptions}`;
    await this.runDdl([ledger, recordsDdl, rejectionsDdl], doing);
  }

  async dropTables(t: TrackingTarget): Promise<void> {
    const doing = `dropping the tracking tables of sync ${JSON.stringify(t.sync)}`;
    const all = this.tables(t);
    await this.runDdl(
      [all.records, all.rejections, all.plan, all.stage, all.batch].map(
        (table) => `drop table if exists ${table}`,
      ),
      doing,
    );
  }

  private async runDdl(statements: readonly string[], doing: string): Promise<void> {
    if (this.d.ddl) return this.d.ddl(statements, doing);
    for (const sql of statements) await this.d.query(sql, doing);
  }

  async resetTracking(t: TrackingTarget): Promise<void> {
    await this.d.query(
      `delete from ${this.tables(t).records} where 1 = 1`,
      `resetting the tracking of sync ${JSON.stringify(t.sync)}`,
    );
  }

  /** `case when x is null then '~' else <length>:<text> end` for one column of the model (alias q). */
  private checksumPart(column: string, types: ReadonlyMap<string, string> | undefined): string {
    const expr = `${this.i('q')}.${this.i(column)}`;
    const text = this.d.textOf(expr, column, types);
    return `case when ${expr} is null then '~' else cast(length(${text}) as ${this.d.types.text}) || ':' || ${text} end`;
  }

  /** The model with its record id, checksum and how many rows share the id. */
  private stageSelect(spec: RunSpec, types: ReadonlyMap<string, string> | undefined): string {
    const q = this.i('q');
    const covered = [spec.primaryKey, ...spec.columns.filter((c) => c !== spec.primaryKey)];
    const checksum = this.d.md5(covered.map((c) => this.checksumPart(c, types)).join(` || '|' || `));
    const cols = spec.columns.map((c) => `${q}.${this.i(c)} as ${this.i(c)}`).join(', ');
    const id = this.i('__bf_record_id');
    return `select ${this.i('s')}.*, count(*) over (partition by ${this.i('s')}.${id}) as ${this.i('__bf_n')} from (
  select cast(${q}.${this.i(spec.primaryKey)} as ${this.d.types.text}) as ${id},
         ${checksum} as ${this.i('__bf_checksum')}${cols ? `,\n         ${cols}` : ''}
    from ${this.d.model(spec.modelSql, 'q')}
) ${this.i('s')}`;
  }

  /** The plan over `stage` (a table or a CTE name), before numbering: op, id, checksum, columns. */
  private opsSelect(spec: RunSpec, stage: string, records: string): string {
    const i = (c: string) => this.i(c);
    const [u, r] = [i('u'), i('r')];
    const uCols = spec.columns.map((c) => `, ${u}.${i(c)} as ${i(c)}`).join('');
    const nullCols = spec.columns.map((c) => `, null as ${i(c)}`).join('');
    const id = i('__bf_record_id');
    const op = spec.fullResync
      ? `'add'`
      : `case when ${r}.${i('record_id')} is null then 'add' when ${r}.${i('status')} = 'rejected' then 'retry' else 'change' end`;
    const changedOnly = spec.fullResync
      ? ''
      : `and (${r}.${i('record_id')} is null or ${r}.${i('status')} = 'rejected' or ${r}.${i('checksum')} is null or ${r}.${i('checksum')} <> ${u}.${i('__bf_checksum')})`;
    const removals =
      spec.mode === 'mirror'
        ? `
  union all
  select 'remove' as ${i('__bf_op')}, ${r}.${i('record_id')} as ${id}, ${this.s(null)} as ${i('__bf_checksum')}${nullCols}
    from ${records} ${r} left join ${stage} ${u} on ${u}.${id} = ${r}.${i('record_id')}
   where ${r}.${i('checksum')} is not null and ${u}.${id} is null`
        : '';
    return `select ${op} as ${i('__bf_op')}, ${u}.${id} as ${id}, ${u}.${i('__bf_checksum')} as ${i('__bf_checksum')}${uCols}
    from ${stage} ${u} left join ${records} ${r} on ${r}.${i('record_id')} = ${u}.${id}
   where ${u}.${id} is not null and ${u}.${i('__bf_n')} = 1 ${changedOnly}${removals}`;
  }

  /** Numbered plan rows: adds, changes and retries by record id, then removals. */
  private planSelect(spec: RunSpec, stage: string, records: string): string {
    const i = (c: string) => this.i(c);
    const o = i('o');
    const cols = spec.columns.map((c) => `, ${o}.${i(c)}`).join('');
    return `select row_number() over (order by case when ${o}.${i('__bf_op')} = 'remove' then 1 else 0 end, ${o}.${i('__bf_record_id')}) as ${i('__bf_seq')},
       ${this.s(spec.runId)} as ${i('__bf_run_id')}, ${o}.${i('__bf_op')}, ${o}.${i('__bf_record_id')}, ${o}.${i('__bf_checksum')}${cols},
       ${this.s(null)} as ${i('__bf_outcome')}
  from (${this.opsSelect(spec, stage, records)}) ${o}`;
  }

  private dupReason(spec: RunSpec, n: string): string {
    return `${this.d.literal(`duplicate primary key ${spec.primaryKey}: `)} || cast(${n} as ${this.d.types.text}) || ${this.d.literal(' rows share this value; none is sent until it is unique')}`;
  }

  async planRun(spec: RunSpec): Promise<PlanCounts> {
    const i = (c: string) => this.i(c);
    const { records, rejections, plan, stage } = this.tables(spec);
    const now = this.s(new Date().toISOString());
    const doing = `planning run ${spec.runId} of sync ${JSON.stringify(spec.sync)}`;
    const types = this.d.describe ? await this.d.describe(spec.modelSql) : undefined;
    const id = i('__bf_record_id');
    const [s, r, d] = [i('s'), i('r'), i('d')];
    const dups = `select ${s}.${id} as ${i('id')}, max(${s}.${i('__bf_n')}) as ${i('n')} from ${stage} ${s} where ${s}.${id} is not null and ${s}.${i('__bf_n')} > 1 group by ${s}.${id}`;
    return this.d.transaction('all', doing, async (q) => {
      for (const sql of this.d.createTableAs(stage, this.stageSelect(spec, types))) await q(sql);
      const [counted] = await q(`select count(*) as ${i('total')},
       coalesce(sum(case when ${id} is null then 1 else 0 end), 0) as ${i('null_keys')},
       count(distinct case when ${i('__bf_n')} > 1 then ${id} end) as ${i('dups')}
  from ${stage}`);
      // Duplicate keys: reported in the rejections table, and marked in the records table so that, once
      // unique again, the row comes back as a retry. Written only when there are any.
      if (Number(counted.dups) > 0) {
        await q(`insert into ${rejections} (${i('run_id')}, ${i('record_id')}, ${i('op')}, ${i('reason')}, ${i('rejected_at')})
select ${this.s(spec.runId)}, ${d}.${i('id')}, case when ${r}.${i('record_id')} is null then 'add' else 'change' end, ${this.dupReason(spec, `${d}.${i('n')}`)}, ${now}
  from (${dups}) ${d} left join ${records} ${r} on ${r}.${i('record_id')} = ${d}.${i('id')}`);
        for (const sql of this.upsertRecords(records, dups, {
          checksum: null,
          status: `'rejected'`,
          error: this.dupReason(spec, `${i('b')}.${i('n')}`),
          now,
        }))
          await q(sql);
      }
      // Records never accepted (checksum null) whose row is gone: nothing to remove, nothing to retry.
      await q(`delete from ${records} where ${i('checksum')} is null
   and ${i('record_id')} not in (select ${id} from ${stage} where ${id} is not null)`);
      for (const sql of this.d.createTableAs(plan, this.planSelect(spec, stage, records))) await q(sql);
      const planned = await this.countPlan(q, plan);
      await q(`drop table if exists ${stage}`);
      return {
        planned,
        modelRows: Number(counted.total),
        nullKeys: Number(counted.null_keys),
        duplicateKeys: Number(counted.dups),
      };
    });
  }

  /**
   * Writes `source` (columns id and, for rejections, reason) into the records table: matched rows get
   * the new status, error and (when given) checksum; missing ones are inserted.
   */
  private upsertRecords(
    records: string,
    source: string,
    set: { checksum: string | null; status: string; error: string; now: string },
  ): string[] {
    const i = (c: string) => this.i(c);
    const [r, b] = [i('r'), i('b')];
    const checksum = set.checksum ?? this.s(null);
    const assign = [
      ...(set.checksum !== null ? [`${i('checksum')} = ${set.checksum}`] : []),
      `${i('status')} = ${set.status}`,
      `${i('last_error')} = ${set.error}`,
      `${i('updated_at')} = ${set.now}`,
    ].join(', ');
    const insertCols = `${i('record_id')}, ${i('checksum')}, ${i('status')}, ${i('last_error')}, ${i('updated_at')}`;
    if (this.d.merge) {
      return [
        `merge into ${records} as ${r} using (${source}) as ${b} on ${r}.${i('record_id')} = ${b}.${i('id')}
when matched then update set ${assign}
when not matched then insert (${insertCols}) values (${b}.${i('id')}, ${checksum}, ${set.status}, ${set.error}, ${set.now})`,
      ];
    }
    return [
      `update ${records} set ${assign} from (${source}) ${b} where ${records}.${i('record_id')} = ${b}.${i('id')}`,
      `insert into ${records} (${insertCols})
select ${b}.${i('id')}, ${checksum}, ${set.status}, ${set.error}, ${set.now}
  from (${source}) ${b} left join ${records} ${r} on ${r}.${i('record_id')} = ${b}.${i('id')}
 where ${r}.${i('record_id')} is null`,
    ];
  }

  private async countPlan(q: Query, plan: string): Promise<OpCounts> {
    const rows = await q(
      `select ${this.i('__bf_op')} as ${this.i('op')}, count(*) as ${this.i('n')} from ${plan} group by ${this.i('__bf_op')}`,
    );
    const counts = zeroCounts();
    for (const row of rows) counts[row.op as PlannedOp] = Number(row.n);
    return counts;
  }

  async dryRun(spec: RunSpec, sample: number): Promise<{ counts: PlanCounts; samples: PlannedRow[] }> {
    const i = (c: string) => this.i(c);
    const doing = `planning a dry run of sync ${JSON.stringify(spec.sync)}`;
    const { records } = this.tables(spec);
    const types = this.d.describe ? await this.d.describe(spec.modelSql) : undefined;
    const stage = i('__bf_stage');
    const id = i('__bf_record_id');
    const withStage = `with ${stage} as (${this.stageSelect(spec, types)})`;
    const [counted] = await this.d.query(
      `${withStage}
select (select count(*) from ${stage}) as ${i('total')},
       (select count(*) from ${stage} where ${id} is null) as ${i('null_keys')},
       (select count(distinct ${id}) from ${stage} where ${i('__bf_n')} > 1) as ${i('dups')},
${OPS.map((op) => `       (select count(*) from (${this.opsSelect(spec, stage, records)}) ${i('o')} where ${i('o')}.${i('__bf_op')} = '${op}') as ${i(op)}`).join(',\n')}`,
      doing,
    );
    const p = i('p');
    const samples = await this.d.query(
      `${withStage}
select * from (select ${p}.*, row_number() over (partition by ${p}.${i('__bf_op')} order by ${p}.${i('__bf_seq')}) as ${i('__bf_n')}
  from (${this.planSelect(spec, stage, records)}) ${p}) ${i('x')}
 where ${i('__bf_n')} <= ${Math.max(0, Math.trunc(sample))} order by ${i('__bf_seq')}`,
      doing,
    );
    const planned = zeroCounts();
    for (const op of OPS) planned[op] = Number(counted[op]);
    return {
      counts: {
        planned,
        modelRows: Number(counted.total),
        nullKeys: Number(counted.null_keys),
        duplicateKeys: Number(counted.dups),
      },
      samples: samples.map(plannedRow),
    };
  }

  async planCounts(t: TrackingTarget, runId: string): Promise<PlanCounts | undefined> {
    const doing = `reading the plan of run ${runId}`;
    if (!(await this.d.tableExists(t.schema, planTableName(t.sync)))) return undefined;
    const { plan } = this.tables(t);
    const owner = await this.d.query(
      `select ${this.i('__bf_run_id')} as ${this.i('run')} from ${plan} limit 1`,
      doing,
    );
    if (owner.length > 0 && owner[0].run !== runId) return undefined;
    const planned = await this.countPlan((sql) => this.d.query(sql, doing), plan);
    const run = await this.getRun(t.schema, runId);
    return { planned, modelRows: 0, nullKeys: run?.nullKeys ?? 0, duplicateKeys: run?.duplicateKeys ?? 0 };
  }

  async readPlan(t: TrackingTarget, runId: string, afterSeq: number, limit: number): Promise<PlannedRow[]> {
    const i = (c: string) => this.i(c);
    const rows = await this.d.query(
      `select * from ${this.tables(t).plan}
 where ${i('__bf_seq')} > ${Math.trunc(afterSeq)} and ${i('__bf_outcome')} is null and ${i('__bf_run_id')} = ${this.s(runId)}
 order by ${i('__bf_seq')} limit ${Math.max(1, Math.trunc(limit))}`,
      `reading the plan of run ${runId}`,
    );
    return rows.map(plannedRow);
  }

  async commitBatch(t: TrackingTarget, runId: string, outcomes: RowOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const i = (c: string) => this.i(c);
    const { records, rejections, plan, batch } = this.tables(t);
    const doing = `recording delivered rows of run ${runId}`;
    const now = this.s(new Date().toISOString());
    const select = (chunk: RowOutcome[]) =>
      chunk
        .map(
          (o) =>
            `select ${this.n(o.seq)} as ${i('seq')}, ${this.s(o.recordId)} as ${i('id')}, ${this.s(o.op)} as ${i('op')}, ${this.s(o.checksum)} as ${i('checksum')}, ${this.s(o.accepted ? 'accepted' : 'rejected')} as ${i('outcome')}, ${this.s(o.accepted ? null : clip(o.reason ?? 'rejected'))} as ${i('reason')}`,
        )
        .join('\nunion all ');
    const b = i('b');
    const from = (where: string) => `select * from ${batch} where ${where}`;
    const upserts = outcomes.some((o) => o.accepted && o.op !== 'remove');
    const removals = outcomes.some((o) => o.accepted && o.op === 'remove');
    const rejected = outcomes.some((o) => !o.accepted);
    // The batch table is written first, outside the transaction (DDL commits implicitly on Snowflake).
    // A batch of more than STAGE_ROWS rows is staged in several statements: one UNION ALL of thousands
    // of SELECTs is past what some planners take (the count still depends on the batch size only).
    for (const sql of this.d.createTableAs(batch, select(outcomes.slice(0, STAGE_ROWS))))
      await this.d.query(sql, doing);
    for (let at = STAGE_ROWS; at < outcomes.length; at += STAGE_ROWS)
      await this.d.query(`insert into ${batch} ${select(outcomes.slice(at, at + STAGE_ROWS))}`, doing);
    await this.d.transaction('dml', doing, async (q) => {
      if (upserts) {
        for (const sql of this.upsertRecords(
          records,
          from(`${i('outcome')} = 'accepted' and ${i('op')} <> 'remove'`),
          {
            checksum: `${b}.${i('checksum')}`,
            status: `'synced'`,
            error: this.s(null),
            now,
          },
        ))
          await q(sql);
      }
      if (removals) {
        await q(
          `delete from ${records} where ${i('record_id')} in (select ${i('id')} from ${batch} where ${i('outcome')} = 'accepted' and ${i('op')} = 'remove')`,
        );
      }
      if (rejected) {
        for (const sql of this.upsertRecords(records, from(`${i('outcome')} = 'rejected'`), {
          checksum: null,
          status: `'rejected'`,
          error: `${b}.${i('reason')}`,
          now,
        }))
          await q(sql);
        // Not twice for one run, record and operation: a re-run of the batch adds nothing.
        const x = i('x');
        await q(`insert into ${rejections} (${i('run_id')}, ${i('record_id')}, ${i('op')}, ${i('reason')}, ${i('rejected_at')})
select ${this.s(runId)}, ${b}.${i('id')}, ${b}.${i('op')}, ${b}.${i('reason')}, ${now}
  from ${batch} ${b} left join (select * from ${rejections} where ${i('run_id')} = ${this.s(runId)}) ${x}
    on ${x}.${i('record_id')} = ${b}.${i('id')} and ${x}.${i('op')} = ${b}.${i('op')}
 where ${b}.${i('outcome')} = 'rejected' and ${x}.${i('record_id')} is null`);
      }
      // Last: until the plan says so, the rows are unanswered and a resumed run sends them again.
      const p = i('p');
      await q(
        this.d.merge
          ? `merge into ${plan} as ${p} using ${batch} as ${b} on ${p}.${i('__bf_seq')} = ${b}.${i('seq')}
when matched then update set ${i('__bf_outcome')} = ${b}.${i('outcome')}`
          : `update ${plan} set ${i('__bf_outcome')} = ${b}.${i('outcome')} from ${batch} ${b} where ${plan}.${i('__bf_seq')} = ${b}.${i('seq')}`,
      );
    });
  }

  async finishPlan(t: TrackingTarget, runId: string): Promise<void> {
    const { plan, batch } = this.tables(t);
    for (const table of [plan, batch])
      await this.d.query(`drop table if exists ${table}`, `dropping the plan of run ${runId}`);
  }

  private ledgerValues(run: RunRecord): [string, string][] {
    const out: [string, string][] = [
      ['run_id', this.s(run.runId)],
      ['sync', this.s(run.sync)],
      ['trigger', this.s(run.trigger)],
      ['status', this.s(run.status)],
      ['started_at', this.s(iso(run.startedAt))],
      ['finished_at', this.s(run.finishedAt === null ? null : iso(run.finishedAt))],
      ['null_keys', this.n(run.nullKeys)],
      ['duplicate_keys', this.n(run.duplicateKeys)],
      ['error', this.s(run.error === null ? null : clip(run.error))],
    ];
    for (const op of OPS) {
      out.push([`planned_${op}`, this.n(run.planned[op])]);
      out.push([`accepted_${op}`, this.n(run.accepted[op])]);
      out.push([`rejected_${op}`, this.n(run.rejected[op])]);
    }
    return out;
  }

  async insertRun(schema: string, run: RunRecord): Promise<void> {
    const values = this.ledgerValues(run);
    await this.d.query(
      `insert into ${this.ledger(schema)} (${values.map(([k]) => this.i(k)).join(', ')})
select ${values.map(([, v]) => v).join(', ')}`,
      `recording run ${run.runId}`,
    );
  }

  async updateRun(schema: string, run: RunRecord): Promise<void> {
    const values = this.ledgerValues(run).filter(([k]) => k !== 'run_id');
    await this.d.query(
      `update ${this.ledger(schema)} set ${values.map(([k, v]) => `${this.i(k)} = ${v}`).join(', ')} where ${this.i('run_id')} = ${this.s(run.runId)}`,
      `recording run ${run.runId}`,
    );
  }

  private selectRuns(schema: string): string {
    const cols = [
      'run_id',
      'sync',
      'trigger',
      'status',
      'started_at',
      'finished_at',
      ...COUNT_COLUMNS,
      'null_keys',
      'duplicate_keys',
      'error',
    ];
    return `select ${cols.map((c) => this.i(c)).join(', ')} from ${this.ledger(schema)}`;
  }

  private async runs(schema: string, where: string, limit: number): Promise<RunRecord[]> {
    if (!(await this.d.tableExists(schema, RUNS_TABLE))) return [];
    const rows = await this.d.query(
      `${this.selectRuns(schema)}${where} order by ${this.i('started_at')} desc, ${this.i('run_id')} desc limit ${Math.max(1, Math.trunc(limit))}`,
      'reading the run ledger',
    );
    return rows.map(fromLedger);
  }

  async listRuns(schema: string, sync: string | undefined, limit: number): Promise<RunRecord[]> {
    return this.runs(schema, sync === undefined ? '' : ` where ${this.i('sync')} = ${this.s(sync)}`, limit);
  }

  async getRun(schema: string, runId: string): Promise<RunRecord | undefined> {
    return (await this.runs(schema, ` where ${this.i('run_id')} = ${this.s(runId)}`, 1))[0];
  }

  async unfinishedRun(schema: string, sync: string): Promise<RunRecord | undefined> {
    return (
      await this.runs(
        schema,
        ` where ${this.i('sync')} = ${this.s(sync)} and ${this.i('status')} = 'running'`,
        1,
      )
    )[0];
  }

  async rejections(t: TrackingTarget, runId: string | undefined, limit: number): Promise<Rejection[]> {
    if (!(await this.d.tableExists(t.schema, rejectionsTableName(t.sync)))) return [];
    const i = (c: string) => this.i(c);
    const rows = await this.d.query(
      `select ${i('run_id')}, ${i('record_id')}, ${i('op')}, ${i('reason')}, ${i('rejected_at')} from ${this.tables(t).rejections}
${runId === undefined ? '' : ` where ${i('run_id')} = ${this.s(runId)}`}
 order by ${i('rejected_at')} desc, ${i('record_id')} limit ${Math.max(1, Math.trunc(limit))}`,
      'reading rejections',
    );
    return rows.map((r) => ({
      runId: String(r.run_id),
      recordId: String(r.record_id),
      op: r.op as PlannedOp,
      reason: String(r.reason),
      rejectedAt: String(r.rejected_at),
    }));
  }
}

/** A plan table row as the runner reads it: internal columns apart, the model's columns as values. */
export function plannedRow(r: Row): PlannedRow {
  const op = r.__bf_op as PlannedOp;
  const values: Row = {};
  for (const [k, v] of Object.entries(r)) if (!k.startsWith('__bf_')) values[k] = v;
  return {
    seq: Number(r.__bf_seq),
    op,
    recordId: String(r.__bf_record_id),
    checksum: (r.__bf_checksum as string | null) ?? null,
    values: op === 'remove' ? null : values,
  };
}

/** A ledger row (any dialect's column values) as a RunRecord. */
export function fromLedger(r: Row): RunRecord {
  const counts = (kind: string): OpCounts => {
    const c = zeroCounts();
    for (const op of OPS) c[op] = Number(r[`${kind}_${op}`] ?? 0);
    return c;
  };
  return {
    runId: String(r.run_id),
    sync: String(r.sync),
    trigger: String(r.trigger),
    status: r.status as RunRecord['status'],
    startedAt: String(r.started_at),
    finishedAt: r.finished_at === null || r.finished_at === undefined ? null : String(r.finished_at),
    planned: counts('planned'),
    accepted: counts('accepted'),
    rejected: counts('rejected'),
    nullKeys: Number(r.null_keys ?? 0),
    duplicateKeys: Number(r.duplicate_keys ?? 0),
    error: r.error === null || r.error === undefined ? null : String(r.error),
  };
}
