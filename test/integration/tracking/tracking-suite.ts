/**
 * The data plane's contract (src/adapters/warehouse/tracking.ts), written once and run for every warehouse:
 * the real Postgres, Postgres behind the Redshift compatibility schema, and the protocol-level Snowflake,
 * BigQuery and Databricks servers. It drives SyncTracking directly, as the runner does: plan, page through
 * the plan, commit each batch's outcomes, finish.
 *
 * A fixture says how to reach the warehouse and how it spells SQL; every test makes its own model table and
 * sync, so tests do not depend on each other's order.
 */
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type {
  PlanCounts,
  PlannedOp,
  PlannedRow,
  RowOutcome,
  RunRecord,
  RunSpec,
  SyncTracking,
  TrackingTarget,
} from '../../../src/adapters/warehouse/tracking';
import { zeroCounts } from '../../../src/adapters/warehouse/tracking';
import type { WarehouseAdapter, WarehouseSettings } from '../../../src/adapters/warehouse/warehouse';

export interface TrackingFixture {
  warehouse: string;
  settings: WarehouseSettings;
  /** The managed schema as config gives it. */
  managedSchema: string;
  /** Runs administrator SQL in the warehouse's dialect. */
  exec(sql: string): Promise<void>;
  /** An identifier quoted so the warehouse keeps it exactly as written. */
  quote(name: string): string;
  /** A table of the fixture's data schema, qualified, for fixture SQL and model queries. */
  table(name: string): string;
  /** A string literal. */
  lit(value: string): string;
  types: { text: string; bigint: string; double: string; boolean: string; date: string };
  /** A sync name that needs quoting in table names (quotes, spaces, case) the warehouse accepts. */
  hostileSync: string;
  /** A column name that needs quoting. */
  hostileColumn: string;
  teardown?(): Promise<void>;
}

interface Item {
  id: string | null;
  name: string | null;
  amount?: number | null;
  ok?: boolean | null;
  born?: string | null;
}

export function trackingSuite(name: string, makeFixture: () => Promise<TrackingFixture>): void {
  describe(`${name} sync tracking`, () => {
    let fx: TrackingFixture;
    let adapter: WarehouseAdapter;
    let tracking: SyncTracking;
    let tables = 0;

    beforeAll(async () => {
      fx = await makeFixture();
      adapter = await getDialect(fx.warehouse).connect(fx.settings);
      await adapter.ensureManagedSchema(fx.managedSchema);
      tracking = adapter.tracking();
    });

    afterAll(async () => {
      await adapter?.close().catch(() => undefined);
      await fx?.teardown?.();
    });

    const COLUMNS = ['id', 'name', 'amount', 'ok', 'born'];

    /** A fresh model table holding `items`, and a fresh sync reading it (tracking tables made). */
    async function model(
      items: Item[],
      options: { mode?: 'upsert' | 'mirror'; sync?: string; column?: string } = {},
    ) {
      tables += 1;
      const table = fx.table(`items_${tables}`);
      const q = fx.quote;
      const nameCol = options.column ?? 'name';
      const { text, double, boolean, date } = fx.types;
      await fx.exec(
        `create table ${table} (${q('id')} ${text}, ${q(nameCol)} ${text}, ${q('amount')} ${double}, ${q('ok')} ${boolean}, ${q('born')} ${date})`,
      );
      const columns = ['id', nameCol, 'amount', 'ok', 'born'];
      const m = {
        table,
        columns,
        spec: (runId: string, fullResync = false): RunSpec => ({
          schema: fx.managedSchema,
          sync: options.sync ?? `sync_${tables}`,
          runId,
          modelSql: `select * from ${table}`,
          primaryKey: 'id',
          columns,
          mode: options.mode ?? 'mirror',
          fullResync,
        }),
        target: (): TrackingTarget => ({ schema: fx.managedSchema, sync: options.sync ?? `sync_${tables}` }),
        insert: (rows: Item[]) => insert(table, columns, rows),
        exec: (sql: string) => fx.exec(sql.replace(/\$t/g, table)),
      };
      await tracking.ensureTables(m.target());
      await m.insert(items);
      return m;
    }

    function literal(item: Item): string {
      const v = (x: string | null | undefined) => (x === null || x === undefined ? 'null' : fx.lit(x));
      const num = item.amount === null || item.amount === undefined ? 'null' : String(item.amount);
      const ok = item.ok === null || item.ok === undefined ? 'null' : item.ok ? 'true' : 'false';
      const born = item.born ? `date ${fx.lit(item.born)}` : 'null';
      return `${v(item.id)}, ${v(item.name)}, ${num}, ${ok}, ${born}`;
    }

    async function insert(table: string, columns: string[], rows: Item[]): Promise<void> {
      for (let at = 0; at < rows.length; at += 500) {
        const chunk = rows.slice(at, at + 500);
        if (chunk.length === 0) continue;
        await fx.exec(
          `insert into ${table} (${columns.map(fx.quote).join(', ')}) values ${chunk.map((r) => `(${literal(r)})`).join(', ')}`,
        );
      }
    }

    const set = (table: string, id: string, assignments: string) =>
      fx.exec(`update ${table} set ${assignments} where ${fx.quote('id')} = ${fx.lit(id)}`);
    const remove = (table: string, id: string) =>
      fx.exec(`delete from ${table} where ${fx.quote('id')} = ${fx.lit(id)}`);

    /** Reads the whole plan in pages of `page`, in seq order. */
    async function readAll(t: TrackingTarget, runId: string, page = 100): Promise<PlannedRow[]> {
      const out: PlannedRow[] = [];
      let after = 0;
      for (;;) {
        const rows = await tracking.readPlan(t, runId, after, page);
        if (rows.length === 0) return out;
        out.push(...rows);
        after = rows[rows.length - 1].seq;
      }
    }

    function outcome(row: PlannedRow, accepted: boolean, reason = 'rejected by the test'): RowOutcome {
      return {
        seq: row.seq,
        recordId: row.recordId,
        op: row.op,
        checksum: row.checksum,
        accepted,
        ...(accepted ? {} : { reason }),
      };
    }

    let runs = 0;
    /** One run as the runner makes it: plan, deliver (accept unless `reject` says no), commit, finish. */
    async function sync(
      m: Awaited<ReturnType<typeof model>>,
      options: { reject?: (row: PlannedRow) => boolean; fullResync?: boolean; batch?: number } = {},
    ): Promise<{ counts: PlanCounts; rows: PlannedRow[]; runId: string }> {
      runs += 1;
      const runId = `run-${runs}`;
      const counts = await tracking.planRun(m.spec(runId, options.fullResync));
      const rows = await readAll(m.target(), runId);
      const batch = options.batch ?? 100;
      for (let at = 0; at < rows.length; at += batch) {
        await tracking.commitBatch(
          m.target(),
          runId,
          rows.slice(at, at + batch).map((r) => outcome(r, !(options.reject?.(r) ?? false))),
        );
      }
      await tracking.finishPlan(m.target(), runId);
      return { counts, rows, runId };
    }

    const ops = (rows: PlannedRow[]) => rows.map((r) => `${r.op}:${r.recordId}`);
    const planned = (counts: Partial<Record<PlannedOp, number>>) => ({ ...zeroCounts(), ...counts });

    const abc: Item[] = [
      { id: 'a', name: 'Ann', amount: 1.5, ok: true, born: '1990-01-02' },
      { id: 'b', name: 'Bob', amount: 2, ok: false, born: '1985-12-31' },
      { id: 'c', name: 'Cy', amount: null, ok: null, born: null },
    ];

    test('the first run plans every row as added; nothing changed plans nothing', async () => {
      const m = await model(abc);
      const first = await sync(m);
      expect(first.counts).toEqual({
        planned: planned({ add: 3 }),
        modelRows: 3,
        nullKeys: 0,
        duplicateKeys: 0,
      });
      expect(ops(first.rows)).toEqual(['add:a', 'add:b', 'add:c']);
      expect(first.rows.map((r) => r.seq)).toEqual([1, 2, 3]);
      const a = first.rows[0];
      expect(a.checksum).toMatch(/^[0-9a-f]{32}$/);
      // Values are JSON-safe, keyed by the model's columns.
      expect(Object.keys(a.values ?? {}).sort()).toEqual([...COLUMNS].sort());
      expect(a.values).toMatchObject({ id: 'a', name: 'Ann', ok: true });
      expect(Number(a.values?.amount)).toBe(1.5);
      expect(String(a.values?.born)).toMatch(/^1990-01-02/);
      expect(first.rows[2].values).toMatchObject({ id: 'c', name: 'Cy', amount: null, ok: null, born: null });
      expect(JSON.parse(JSON.stringify(first.rows))).toEqual(first.rows);

      const second = await sync(m);
      expect(second.counts.planned).toEqual(zeroCounts());
      expect(second.rows).toEqual([]);
    });

    test('one changed, one added, one removed: exactly those, removals last (mirror); upsert sends no removals', async () => {
      const m = await model(abc);
      await sync(m);
      await set(m.table, 'b', `${fx.quote('name')} = ${fx.lit('Bobby')}`);
      await m.insert([{ id: 'd', name: 'Di' }]);
      await remove(m.table, 'a');
      const { counts, rows } = await sync(m);
      expect(counts.planned).toEqual(planned({ add: 1, change: 1, remove: 1 }));
      expect(ops(rows)).toEqual(['change:b', 'add:d', 'remove:a']);
      expect(rows[1].values).toMatchObject({ id: 'd', name: 'Di' });
      expect(rows[2]).toMatchObject({ checksum: null, values: null });
      expect((await sync(m)).rows).toEqual([]);

      const u = await model(abc, { mode: 'upsert' });
      await sync(u);
      await set(u.table, 'b', `${fx.quote('name')} = ${fx.lit('Bobby')}`);
      await remove(u.table, 'a');
      expect(ops((await sync(u)).rows)).toEqual(['change:b']);
    });

    test('checksums never collide by concatenation, and tell null, "null" and "" apart', async () => {
      const m = await model([{ id: 'k', name: 'a|b' }]);
      await fx.exec(`alter table ${m.table} add column ${fx.quote('extra')} ${fx.types.text}`);
      await set(m.table, 'k', `${fx.quote('extra')} = ${fx.lit('c')}`);
      const spec = (runId: string): RunSpec => ({ ...m.spec(runId), columns: ['id', 'name', 'extra'] });
      const runOnce = async () => {
        runs += 1;
        const runId = `run-${runs}`;
        await tracking.planRun(spec(runId));
        const rows = await readAll(m.target(), runId);
        if (rows.length > 0)
          await tracking.commitBatch(
            m.target(),
            runId,
            rows.map((r) => outcome(r, true)),
          );
        await tracking.finishPlan(m.target(), runId);
        return ops(rows);
      };
      expect(await runOnce()).toEqual(['add:k']);
      const steps: [string, string][] = [
        [fx.lit('a'), fx.lit('b|c')], // 'a|b','c' → 'a','b|c'
        [fx.lit('a|b|c'), 'null'],
        [fx.lit('a|b|c'), fx.lit('')],
        [fx.lit('a|b|c'), fx.lit('null')],
        [fx.lit('a|b|c'), fx.lit('~')],
        ['null', fx.lit('~')],
        [fx.lit('~'), 'null'],
        [fx.lit('1:a'), fx.lit('')],
        [fx.lit(''), fx.lit('1:a')],
      ];
      for (const [name, extra] of steps) {
        await set(m.table, 'k', `${fx.quote('name')} = ${name}, ${fx.quote('extra')} = ${extra}`);
        expect({ step: `${name}, ${extra}`, ops: await runOnce() }).toEqual({
          step: `${name}, ${extra}`,
          ops: ['change:k'],
        });
      }
      expect(await runOnce()).toEqual([]);
    });

    test('numbers, dates, booleans and unicode: a change to any is seen, an identical value is not', async () => {
      const m = await model([{ id: 'u', name: 'é', amount: 1.5, ok: true, born: '2024-02-29' }]);
      await sync(m);
      const q = fx.quote;
      const steps = [
        `${q('amount')} = 15`,
        `${q('amount')} = 1.5`,
        `${q('ok')} = false`,
        `${q('ok')} = null`,
        `${q('born')} = date ${fx.lit('2024-03-01')}`,
        `${q('name')} = ${fx.lit('e\u0301')}`,
        `${q('name')} = ${fx.lit('日本語 ✓')}`,
      ];
      for (const step of steps) {
        await set(m.table, 'u', step);
        expect({ step, ops: ops((await sync(m)).rows) }).toEqual({ step, ops: ['change:u'] });
      }
      await set(m.table, 'u', `${q('amount')} = 1.5`); // the same value again
      expect(ops((await sync(m)).rows)).toEqual([]);
      expect(((await sync(m, { fullResync: true })).rows[0].values ?? {}).name).toBe('日本語 ✓');
    });

    test('null keys are skipped and counted; duplicate keys are rejected, recorded, never planned', async () => {
      const m = await model([
        { id: 'a', name: 'x' },
        { id: null, name: 'no key' },
        { id: null, name: 'no key either' },
        { id: 'd', name: 'first' },
        { id: 'd', name: 'second' },
        { id: 'd', name: 'third' },
      ]);
      const { counts, rows, runId } = await sync(m);
      expect(counts).toEqual({ planned: planned({ add: 1 }), modelRows: 6, nullKeys: 2, duplicateKeys: 1 });
      expect(ops(rows)).toEqual(['add:a']);
      const rejected = await tracking.rejections(m.target(), runId, 10);
      expect(rejected).toEqual([
        {
          runId,
          recordId: 'd',
          op: 'add',
          reason: expect.stringMatching(/duplicate primary key id: 3 rows share this value/),
          rejectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        },
      ]);
      // Unique again: the row comes back as a retry of what was refused.
      await remove(m.table, 'd');
      await m.insert([{ id: 'd', name: 'only' }]);
      const next = await sync(m);
      expect(ops(next.rows)).toEqual(['retry:d']);
      expect(next.counts.duplicateKeys).toBe(0);
      expect(await tracking.rejections(m.target(), next.runId, 10)).toEqual([]);
      expect((await sync(m)).rows).toEqual([]);
    });

    test('rejected rows keep their old checksum and come back as retries until accepted', async () => {
      const m = await model(abc);
      await sync(m);
      await set(m.table, 'a', `${fx.quote('name')} = ${fx.lit('Ann v2')}`);
      await set(m.table, 'b', `${fx.quote('name')} = ${fx.lit('Bob v2')}`);
      await m.insert([{ id: 'n', name: 'new' }]);
      const first = await sync(m, { reject: (r) => r.recordId !== 'b' });
      expect(ops(first.rows)).toEqual(['change:a', 'change:b', 'add:n']);
      const why = await tracking.rejections(m.target(), first.runId, 10);
      expect(why.map((r) => `${r.op}:${r.recordId}:${r.reason}`).sort()).toEqual([
        'add:n:rejected by the test',
        'change:a:rejected by the test',
      ]);
      // Unchanged since, still re-sent: once as a retry, in its current version.
      const second = await sync(m, { reject: (r) => r.recordId === 'a' });
      expect(ops(second.rows)).toEqual(['retry:a', 'retry:n']);
      expect(second.rows[0].values).toMatchObject({ name: 'Ann v2' });
      // `a` was rejected again: still a retry. Then deleted from the model (mirror): the destination still
      // has its old version, so it is removed; `n` was accepted on retry, `b` long ago.
      await remove(m.table, 'a');
      expect(ops((await sync(m)).rows)).toEqual(['remove:a']);
      // A rejected add whose row disappears is forgotten: the destination never had it.
      await m.insert([{ id: 'z', name: 'zed' }]);
      await sync(m, { reject: (r) => r.recordId === 'z' });
      await remove(m.table, 'z');
      expect((await sync(m)).rows).toEqual([]);
      // The latest rejections, newest first, across runs.
      expect((await tracking.rejections(m.target(), undefined, 1)).map((r) => r.recordId)).toEqual(['z']);
    });

    test('an accepted removal forgets the record: the row coming back is an add', async () => {
      const m = await model(abc);
      await sync(m);
      await remove(m.table, 'c');
      expect(ops((await sync(m, { reject: () => false })).rows)).toEqual(['remove:c']);
      await m.insert([{ id: 'c', name: 'Cy' }]);
      expect(ops((await sync(m)).rows)).toEqual(['add:c']);
      // A rejected removal keeps the record: planned again next run.
      await remove(m.table, 'b');
      expect(ops((await sync(m, { reject: () => true })).rows)).toEqual(['remove:b']);
      expect(ops((await sync(m)).rows)).toEqual(['remove:b']);
      expect((await sync(m)).rows).toEqual([]);
    });

    test('keyset paging returns every row once, in order, and skips rows already answered', async () => {
      const items = Array.from({ length: 25 }, (_, n) => ({
        id: `r${String(n).padStart(2, '0')}`,
        name: `n${n}`,
      }));
      const m = await model(items);
      const runId = 'paging-run';
      await tracking.planRun(m.spec(runId));
      const t = m.target();
      const pages: number[] = [];
      const seen: PlannedRow[] = [];
      let after = 0;
      for (;;) {
        const page = await tracking.readPlan(t, runId, after, 7);
        if (page.length === 0) break;
        pages.push(page.length);
        seen.push(...page);
        after = page[page.length - 1].seq;
      }
      expect(pages).toEqual([7, 7, 7, 4]);
      expect(seen.map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, n) => n + 1));
      expect(new Set(seen.map((r) => r.recordId)).size).toBe(25);
      // Answer the first 10: a resumed run reading from the start gets only the other 15.
      await tracking.commitBatch(
        t,
        runId,
        seen.slice(0, 10).map((r) => outcome(r, true)),
      );
      const rest = await readAll(t, runId, 4);
      expect(rest.map((r) => r.seq)).toEqual(seen.slice(10).map((r) => r.seq));
      expect(await tracking.planCounts(t, runId)).toMatchObject({ planned: planned({ add: 25 }) });
      expect(await tracking.planCounts(t, 'another-run')).toBeUndefined();
      await tracking.finishPlan(t, runId);
      expect(await tracking.planCounts(t, runId)).toBeUndefined();
    });

    test('commitBatch is idempotent: re-running a batch changes nothing more', async () => {
      const m = await model(abc);
      await set(m.table, 'c', `${fx.quote('name')} = ${fx.lit('Cy')}`);
      const runId = 'idem-run';
      const t = m.target();
      await tracking.planRun(m.spec(runId));
      const rows = await readAll(t, runId);
      const outcomes = rows.map((r) => outcome(r, r.recordId !== 'b'));
      await tracking.commitBatch(t, runId, outcomes);
      await tracking.commitBatch(t, runId, outcomes); // a crash after the commit, before the ack
      expect(await readAll(t, runId)).toEqual([]);
      expect((await tracking.rejections(t, runId, 10)).map((r) => r.recordId)).toEqual(['b']);
      await tracking.finishPlan(t, runId);
      expect(ops((await sync(m)).rows)).toEqual(['retry:b']);
      expect((await sync(m)).rows).toEqual([]);
    });

    test('a full resync plans every present row as added (and removals, mirror) and keeps tracking; reset forgets it', async () => {
      const m = await model(abc);
      await sync(m);
      await remove(m.table, 'c');
      // Mirror mode: the destination is made to match, so the row gone is still removed.
      const full = await sync(m, { fullResync: true, reject: (r) => r.op === 'remove' });
      expect(ops(full.rows)).toEqual(['add:a', 'add:b', 'remove:c']);
      // Tracking was kept: only the refused removal is left.
      expect(ops((await sync(m)).rows)).toEqual(['remove:c']);
      await tracking.resetTracking(m.target());
      expect(ops((await sync(m)).rows)).toEqual(['add:a', 'add:b']);
    });

    test('a dry run shows counts and samples and leaves no trace', async () => {
      const m = await model([
        ...abc,
        { id: 'x', name: 'dup' },
        { id: 'x', name: 'dup' },
        { id: null, name: '?' },
      ]);
      const t = m.target();
      const before = await tracking.listRuns(fx.managedSchema, t.sync, 10);
      const dry = await tracking.dryRun(m.spec('dry-run'), 2);
      expect(dry.counts).toEqual({
        planned: planned({ add: 3 }),
        modelRows: 6,
        nullKeys: 1,
        duplicateKeys: 1,
      });
      expect(ops(dry.samples)).toEqual(['add:a', 'add:b']);
      expect(dry.samples[0].values).toMatchObject({ id: 'a', name: 'Ann' });
      expect(await tracking.planCounts(t, 'dry-run')).toBeUndefined();
      expect(await tracking.rejections(t, undefined, 10)).toEqual([]);
      expect(await tracking.listRuns(fx.managedSchema, t.sync, 10)).toEqual(before);
      // Nothing was recorded: the real first run still plans everything, and the duplicate is news.
      const first = await sync(m);
      expect(ops(first.rows)).toEqual(['add:a', 'add:b', 'add:c']);
      expect(first.counts.duplicateKeys).toBe(1);
      // After a sync, a dry run of a change shows just it.
      await set(m.table, 'a', `${fx.quote('name')} = ${fx.lit('A2')}`);
      await remove(m.table, 'b');
      const later = await tracking.dryRun(m.spec('dry-run'), 5);
      expect(later.counts.planned).toEqual(planned({ change: 1, remove: 1 }));
      expect(ops(later.samples)).toEqual(['change:a', 'remove:b']);
    });

    test('the run ledger: insert, update, list newest first, get, the unfinished run', async () => {
      const schema = fx.managedSchema;
      const sync1 = `ledger_${tables}_a`;
      const sync2 = `ledger_${tables}_b`;
      await tracking.ensureTables({ schema, sync: sync1 });
      const make = (runId: string, sync: string, startedAt: string): RunRecord => ({
        runId,
        sync,
        trigger: 'manual',
        status: 'running',
        startedAt,
        finishedAt: null,
        planned: zeroCounts(),
        accepted: zeroCounts(),
        rejected: zeroCounts(),
        nullKeys: 0,
        duplicateKeys: 0,
        error: null,
      });
      const r1 = make('L1', sync1, '2026-01-01T10:00:00.000Z');
      const r2 = make('L2', sync1, '2026-01-01T11:00:00.000Z');
      const r3 = make('L3', sync2, '2026-01-01T12:00:00.000Z');
      for (const r of [r1, r2, r3]) await tracking.insertRun(schema, r);
      const done: RunRecord = {
        ...r1,
        status: 'partial',
        finishedAt: '2026-01-01T10:05:00.000Z',
        planned: { add: 5, change: 2, remove: 1, retry: 1 },
        accepted: { add: 4, change: 2, remove: 1, retry: 1 },
        rejected: { add: 1, change: 0, remove: 0, retry: 0 },
        nullKeys: 3,
        duplicateKeys: 2,
        error: '1 rows rejected (a: it\'s "bad" ✗)',
        trigger: 'dbt_cloud:12/345',
      };
      await tracking.updateRun(schema, done);
      expect(await tracking.getRun(schema, 'L1')).toEqual(done);
      expect(await tracking.getRun(schema, 'nope')).toBeUndefined();
      expect((await tracking.listRuns(schema, sync1, 10)).map((r) => r.runId)).toEqual(['L2', 'L1']);
      expect((await tracking.listRuns(schema, sync1, 1)).map((r) => r.runId)).toEqual(['L2']);
      const all = (await tracking.listRuns(schema, undefined, 100)).map((r) => r.runId);
      expect(all.indexOf('L3')).toBeLessThan(all.indexOf('L2'));
      expect(await tracking.unfinishedRun(schema, sync1)).toEqual(r2);
      await tracking.updateRun(schema, {
        ...r2,
        status: 'failed',
        finishedAt: '2026-01-01T11:01:00.000Z',
        error: 'boom',
      });
      expect(await tracking.unfinishedRun(schema, sync1)).toBeUndefined();
      expect(await tracking.unfinishedRun(schema, sync2)).toEqual(r3);
    });

    test('statements per run do not grow with rows (10 vs 1,000)', async () => {
      const cost = async (n: number) => {
        const m = await model(
          Array.from({ length: n }, (_, k) => ({ id: `k${k}`, name: `v${k}`, amount: k })),
        );
        const runId = `cost-${n}`;
        const t = m.target();
        const before = tracking.statements;
        await tracking.planRun(m.spec(runId));
        const planning = tracking.statements - before;
        const rows = await tracking.readPlan(t, runId, 0, 5000);
        await tracking.commitBatch(
          t,
          runId,
          rows.map((r, k) => outcome(r, k % 10 !== 0)),
        );
        await tracking.finishPlan(t, runId);
        return { rows: rows.length, planning, total: tracking.statements - before };
      };
      const small = await cost(10);
      const large = await cost(1000);
      expect(small.rows).toBe(10);
      expect(large.rows).toBe(1000);
      expect(large.planning).toBe(small.planning);
      expect(large.total).toBe(small.total);
      expect(large.total).toBeLessThan(40);
    });

    test('hostile sync and column names: quotes, spaces and case stay inert and distinct', async () => {
      const m = await model(abc, { sync: fx.hostileSync, column: fx.hostileColumn });
      const first = await sync(m);
      expect(ops(first.rows)).toEqual(['add:a', 'add:b', 'add:c']);
      expect(first.rows[0].values?.[fx.hostileColumn]).toBe('Ann');
      await set(m.table, 'a', `${fx.quote(fx.hostileColumn)} = ${fx.lit('O\'Brien "quoted"')}`);
      const second = await sync(m);
      expect(ops(second.rows)).toEqual(['change:a']);
      expect(second.rows[0].values?.[fx.hostileColumn]).toBe('O\'Brien "quoted"');
      // Another sync on the same model has its own tracking.
      const other = { ...m, target: () => ({ schema: fx.managedSchema, sync: `${fx.hostileSync} 2` }) };
      const spec2 = (runId: string) => ({ ...m.spec(runId), sync: `${fx.hostileSync} 2` });
      expect(await tracking.missingTables(other.target())).toEqual([
        `records_${fx.hostileSync} 2`,
        `rejections_${fx.hostileSync} 2`,
      ]);
      await tracking.ensureTables(other.target());
      // What `backflow import` checks before adopting a sync's tracking.
      expect(await tracking.missingTables(other.target())).toEqual([]);
      const counts = await tracking.planRun(spec2('other-run'));
      expect(counts.planned).toEqual(planned({ add: 3 }));
      await tracking.finishPlan(other.target(), 'other-run');
      await tracking.dropTables(other.target());
      await tracking.dropTables(other.target());
      expect(await tracking.missingTables(other.target())).toHaveLength(2);
      expect(await tracking.rejections(other.target(), undefined, 5)).toEqual([]);
      expect((await sync(m)).rows).toEqual([]);
    });
  });
}
