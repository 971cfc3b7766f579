/**
 * The warehouse adapter contract, written once and run for every warehouse: against the real Postgres, the
 * real Postgres behind a Redshift compatibility schema, the protocol-level Snowflake, BigQuery and
 * Databricks servers in test/servers/, and (opt-in) against the real services in test/live/.
 *
 * A fixture says how to reach the warehouse and how it spells things (identifier case, types, quoting);
 * the suite makes its own tables through the fixture, so it runs unchanged against a live account.
 */
import { getDialect } from '../../../src/adapters/warehouse/registry';
import {
  relationKey,
  type Column,
  type RelationRef,
  type WarehouseAdapter,
  type WarehouseSettings,
} from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';

export interface HostileNames {
  /** A schema (dataset) name the warehouse accepts that needs quoting. */
  schema: string;
  /** Table and column names that need quoting: quotes, backticks, spaces, unicode, `; drop`. */
  table: string;
  column: string;
}

export interface WarehouseFixture {
  warehouse: string;
  /** Settings of a principal with every grant Backflow needs. */
  settings: WarehouseSettings;
  /** A schema (dataset) for the suite's tables; created by `setup`. */
  schema: string;
  /** The managed schema name to pass to the adapter. */
  managedSchema: string;
  /** Runs administrator SQL in the warehouse's dialect. */
  exec(sql: string): Promise<void>;
  /** `name` quoted so the adapter's ref `{ name }` finds what this SQL creates. */
  quote(name: string): string;
  /** A schema-qualified name for fixture SQL. */
  table(schema: string, name: string): string;
  /** Column types for fixture DDL. */
  types: { bigint: string; text: string; boolean: string };
  /** How the warehouse reports a column the fixture SQL wrote unquoted (`id` → `ID` in Snowflake). */
  column(name: string): string;
  /** Type names the adapter reports for the fixture's bigint and text columns. */
  typeNames: { bigint: string; text: string };
  /** The relation the warehouse stores for `schema` as given in config (case folding). */
  hostile: HostileNames;
  /** Statements per introspection (1; BigQuery's dry run and INFORMATION_SCHEMA query make 2). */
  introspectRoundTrips: number;
  /** Whether the relation exists, asked as the administrator. */
  relationExists(schema: string, name: string): Promise<boolean>;
  /** Settings whose secret is wrong, and that secret: sign-in must fail with a UserError not showing it. */
  badCredentials?(): Promise<{ settings: WarehouseSettings; secret: string; message: RegExp }>;
  /** A principal missing grants, and the exact statements the adapter must print. */
  limited?(): Promise<{ settings: WarehouseSettings; missing: (string | RegExp)[] }>;
  teardown?(): Promise<void>;
}

function sortedColumns(columns: Column[] | undefined): string[] | undefined {
  return columns?.map((c) => c.name);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (e: unknown) => e,
  );
}

export function adapterSuite(name: string, makeFixture: () => Promise<WarehouseFixture>): void {
  describe(`${name} warehouse adapter`, () => {
    let fx: WarehouseFixture;
    let adapter: WarehouseAdapter;
    const opened: WarehouseAdapter[] = [];

    async function connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
      const a = await getDialect(fx.warehouse).connect(settings);
      opened.push(a);
      return a;
    }

    beforeAll(async () => {
      fx = await makeFixture();
      const t = (n: string) => fx.table(fx.schema, n);
      const q = fx.quote;
      const { bigint, text, boolean } = fx.types;
      await fx.exec(`create table ${t('users')} (id ${bigint}, email ${text}, active ${boolean})`);
      await fx.exec(
        `insert into ${t('users')} (id, email, active) values (1, 'a@example.com', true), (2, 'b@example.com', false), (3, 'c@example.com', true)`,
      );
      await fx.exec(`create table ${t('dupes')} (k ${bigint})`);
      await fx.exec(`insert into ${t('dupes')} (k) values (1), (1), (2), (null), (null)`);
      await fx.exec(`create table ${t('victim')} (id ${bigint})`);
      const h = fx.hostile;
      await fx.exec(`create table ${fx.table(h.schema, h.table)} (${q(h.column)} ${bigint}, plain ${text})`);
      await fx.exec(`insert into ${fx.table(h.schema, h.table)} (${q(h.column)}, plain) values (7, 'seven')`);
      adapter = await connect(fx.settings);
    });

    afterAll(async () => {
      await Promise.all(opened.map((a) => a.close().catch(() => undefined)));
      await fx?.teardown?.();
    });

    const ref = (table: string, schema = fx.schema): RelationRef => ({ schema, name: table });

    test('testConnection reports server version, user and database in one round trip', async () => {
      const before = adapter.roundTrips;
      const info = await adapter.testConnection();
      expect(info.server_version).toEqual(expect.any(String));
      expect(info.server_version.length).toBeGreaterThan(0);
      expect(info.current_user).toEqual(expect.any(String));
      expect(info.database).toEqual(expect.any(String));
      expect(adapter.roundTrips - before).toBe(1);
    });

    test('ensureManagedSchema creates the schema once and is idempotent', async () => {
      await adapter.ensureManagedSchema(fx.managedSchema);
      await adapter.ensureManagedSchema(fx.managedSchema);
      const grants = await adapter.checkGrants(fx.managedSchema);
      expect(grants).toEqual({ schema_exists: true, missing_grants: [] });
    });

    test('introspects relations and queries (one broken) in a fixed number of round trips', async () => {
      const relations = [ref('users'), ref('dupes'), ref('missing_table')];
      const before = adapter.roundTrips;
      const result = await adapter.introspect({
        relations,
        queries: [
          { id: 'a', sql: `select id, email from ${fx.table(fx.schema, 'users')} where active` },
          { id: 'broken', sql: `select no_such_column from ${fx.table(fx.schema, 'users')}` },
          { id: 'c', sql: `select count(*) as n from ${fx.table(fx.schema, 'dupes')} -- trailing comment` },
        ],
      });
      const c = fx.column;
      expect(result.relations.get(relationKey(relations[0]))).toEqual([
        { name: c('id'), type: fx.typeNames.bigint },
        { name: c('email'), type: fx.typeNames.text },
        { name: c('active'), type: expect.any(String) },
      ]);
      expect(sortedColumns(result.relations.get(relationKey(relations[1])))).toEqual([c('k')]);
      expect(result.relations.has(relationKey(relations[2]))).toBe(false);
      expect(result.queries.get('a')).toEqual({
        columns: [
          { name: c('id'), type: fx.typeNames.bigint },
          { name: c('email'), type: fx.typeNames.text },
        ],
      });
      expect(result.queries.get('broken')).toEqual({ error: expect.stringMatching(/no_such_column/i) });
      expect(result.queries.get('c')).toEqual({ columns: [{ name: c('n'), type: expect.any(String) }] });

      // Without a broken query, the count is the warehouse's fixed number, however many models.
      const good = adapter.roundTrips;
      await adapter.introspect({
        relations,
        queries: [{ id: 'a', sql: `select id from ${fx.table(fx.schema, 'users')}` }],
      });
      expect(adapter.roundTrips - good).toBe(fx.introspectRoundTrips);
      expect(adapter.roundTrips - before).toBeGreaterThanOrEqual(fx.introspectRoundTrips);
    });

    test('100 relations and 60 queries cost the same round trips as one of each', async () => {
      const relations = Array.from({ length: 100 }, (_, i) => ref(i % 2 === 0 ? 'users' : `absent_${i}`));
      const queries = Array.from({ length: 60 }, (_, i) => ({
        id: `q${i}`,
        sql: `select id, email as e${i} from ${fx.table(fx.schema, 'users')} where id > ${i}`,
      }));
      const before = adapter.roundTrips;
      const result = await adapter.introspect({ relations, queries });
      expect(adapter.roundTrips - before).toBe(fx.introspectRoundTrips);
      expect(result.relations.size).toBe(1); // the 50 refs to users share one key
      expect(result.queries.get('q59')).toEqual({
        columns: [
          { name: fx.column('id'), type: fx.typeNames.bigint },
          { name: fx.column('e59'), type: fx.typeNames.text },
        ],
      });
    });

    test('preview returns at most limit rows with columns', async () => {
      const result = await adapter.preview(
        `select id, email from ${fx.table(fx.schema, 'users')} order by id`,
        2,
      );
      expect(result.columns.map((c) => c.name)).toEqual([fx.column('id'), fx.column('email')]);
      expect(result.rows).toHaveLength(2);
      expect(result.rows[0][fx.column('email')]).toBe('a@example.com');
      expect(String(result.rows[1][fx.column('id')])).toBe('2');
      const none = await adapter.preview(`select id from ${fx.table(fx.schema, 'users')}`, 0);
      expect(none.rows).toEqual([]);
      await expect(adapter.preview('select 1', -1)).rejects.toThrow(UserError);
    });

    test('primary-key check pushed down: unique, duplicated, null', async () => {
      const users = fx.table(fx.schema, 'users');
      const dupes = fx.table(fx.schema, 'dupes');
      expect(await adapter.checkPrimaryKey(`select * from ${users}`, fx.column('id'))).toEqual({
        total: 3,
        distinct: 3,
        nulls: 0,
      });
      expect(await adapter.checkPrimaryKey(`select * from ${dupes}`, fx.column('k'))).toEqual({
        total: 5,
        distinct: 2,
        nulls: 2,
      });
    });

    test('snapshots: create, reset and drop are idempotent and seen by introspection', async () => {
      await adapter.ensureManagedSchema(fx.managedSchema);
      const model = 'suite_model';
      const snap: RelationRef = { schema: fx.managedSchema, name: adapter.snapshotTable(model) };
      await adapter.createSnapshot(fx.managedSchema, model);
      await adapter.createSnapshot(fx.managedSchema, model);
      let seen = await adapter.introspect({ relations: [snap], queries: [] });
      expect(seen.relations.get(relationKey(snap))?.length).toBe(3);
      // Where a user of the warehouse looks for it: `snapshot_suite_model` in the managed schema, both
      // written as in config and folded the warehouse's way (Snowflake: upper case, unquoted).
      expect(await fx.relationExists(fx.managedSchema, 'snapshot_suite_model')).toBe(true);
      await adapter.resetSnapshot(fx.managedSchema, model);
      await adapter.resetSnapshot(fx.managedSchema, model);
      await adapter.dropSnapshot(fx.managedSchema, model);
      await adapter.dropSnapshot(fx.managedSchema, model);
      seen = await adapter.introspect({ relations: [snap], queries: [] });
      expect(seen.relations.has(relationKey(snap))).toBe(false);
    });

    test('hostile names are quoted: quotes, backticks, spaces, unicode, "; drop"', async () => {
      const h = fx.hostile;
      const odd = { schema: h.schema, name: h.table };
      const evil = [
        `"; drop table victim; --`,
        "'; drop table victim; --",
        '`; drop table victim; --',
        'x\\"; y',
        'ünï cödé ✓',
      ];
      const result = await adapter.introspect({
        relations: [odd, ...evil.map((e) => ({ schema: e, name: e })), ...evil.map((e) => ref(e))],
        queries: [{ id: 'odd', sql: adapter.selectAll(odd) }],
      });
      expect(result.relations.get(relationKey(odd))?.map((c) => c.name)).toEqual([
        h.column,
        fx.column('plain'),
      ]);
      expect(result.relations.size).toBe(1);
      expect(result.queries.get('odd')).toEqual({
        columns: [
          { name: h.column, type: fx.typeNames.bigint },
          { name: fx.column('plain'), type: fx.typeNames.text },
        ],
      });
      const rows = await adapter.preview(adapter.selectAll(odd), 10);
      expect(rows.rows).toEqual([{ [h.column]: expect.anything(), [fx.column('plain')]: 'seven' }]);
      expect(await adapter.checkPrimaryKey(adapter.selectAll(odd), h.column)).toEqual({
        total: 1,
        distinct: 1,
        nulls: 0,
      });
      for (const e of evil) {
        await adapter.createSnapshot(fx.managedSchema, e);
        const snap = { schema: fx.managedSchema, name: adapter.snapshotTable(e) };
        const seen = await adapter.introspect({ relations: [snap], queries: [] });
        expect(seen.relations.has(relationKey(snap))).toBe(true);
        await adapter.dropSnapshot(fx.managedSchema, e);
      }
      expect(await fx.relationExists(fx.schema, 'victim')).toBe(true);
    });

    test('a query with a second statement is refused before anything is sent', async () => {
      const before = adapter.roundTrips;
      const result = await adapter.introspect({
        relations: [],
        queries: [{ id: 'two', sql: `select 1 as x; drop table ${fx.table(fx.schema, 'victim')}` }],
      });
      expect(adapter.roundTrips).toBe(before);
      expect(result.queries.get('two')).toEqual({ error: expect.stringContaining('single statement') });
      await expect(adapter.preview(`select 1 as x; select 2 as y`, 1)).rejects.toThrow(/single statement/);
      expect(await fx.relationExists(fx.schema, 'victim')).toBe(true);
    });

    test('nothing to introspect costs nothing', async () => {
      const before = adapter.roundTrips;
      const result = await adapter.introspect({ relations: [], queries: [] });
      expect(adapter.roundTrips).toBe(before);
      expect(result.relations.size + result.queries.size).toBe(0);
    });

    test('wrong credentials: a clear UserError that never shows the secret', async () => {
      if (!fx.badCredentials) return;
      const bad = await fx.badCredentials();
      const wrong = await connect(bad.settings);
      const err = await rejection(wrong.testConnection());
      expect(err).toBeInstanceOf(UserError);
      const e = err as UserError;
      expect(e.message).toMatch(bad.message);
      for (const text of [e.message, e.hint ?? '', String(e.stack)]) {
        expect(text).not.toContain(bad.secret);
      }
    });

    test('missing grants are printed as the exact statements to run', async () => {
      if (!fx.limited) return;
      const limited = await fx.limited();
      const a = await connect(limited.settings);
      await a.testConnection().catch(() => undefined);
      const check = await a.checkGrants(fx.managedSchema);
      expect(check.missing_grants).toEqual(
        limited.missing.map((m) => (typeof m === 'string' ? m : expect.stringMatching(m))),
      );
    });
  });
}
