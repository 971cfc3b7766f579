/**
 * Redshift specifics beyond the shared suite: the server must say it is Redshift, Backflow's statements
 * avoid what Redshift lacks, string literals follow Redshift's escaping, and network failures name the
 * cluster's security group.
 */
import { Client } from 'pg';
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter } from '../../../src/adapters/warehouse/warehouse';
import { relationKey } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { createTestDatabase, quoteIdent, type TestDatabase, type TestRole } from '../../helpers/pg';
import { freePort } from '../../helpers/postgres-server';
import { createRedshiftDatabase, type RedshiftDatabase } from '../../helpers/redshift';

let db: RedshiftDatabase;
let plain: TestDatabase;
let role: TestRole;
const opened: WarehouseAdapter[] = [];

async function connect(settings: Record<string, unknown>): Promise<WarehouseAdapter> {
  const adapter = await getDialect('redshift').connect(settings);
  opened.push(adapter);
  return adapter;
}

beforeAll(async () => {
  db = await createRedshiftDatabase('redshift_specific');
  role = await db.createRole();
  await db.query(`create schema marts; create table marts.orders (order_id bigint, note varchar(64), amount numeric(10,2));
    create table marts."back\\slash 'n' quote" (x integer);
    grant usage on schema marts to ${quoteIdent(role.name)};
    grant select on all tables in schema marts to ${quoteIdent(role.name)};
    grant create on database ${quoteIdent(db.name)} to ${quoteIdent(role.name)};`);
  plain = await createTestDatabase('redshift_plain');
});

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
  await db.drop();
  await plain.drop();
});

test('reports the Redshift version, and refuses a server that is not Redshift', async () => {
  const adapter = await connect(role.settings);
  expect((await adapter.testConnection()).server_version).toBe('Redshift 1.0.77467');
  const other = await connect(plain.settings);
  const err = (await other.testConnection().catch((e: unknown) => e)) as UserError;
  expect(err).toBeInstanceOf(UserError);
  expect(err.message).toMatch(/is not Amazon Redshift \(it reports "PostgreSQL \d+/);
  expect(err.hint).toMatch(/"warehouse": "postgres"/);
});

test('sends nothing Redshift lacks: no arrays, unnest, VALUES lists, FILTER, temp functions, format_type', async () => {
  const sent: string[] = [];
  const original = Client.prototype.query;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (
    this: Client,
    ...args: any[]
  ) {
    const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    if ((this as any).connectionParameters?.user === role.name && typeof text === 'string') sent.push(text);
    return (original as any).apply(this, args);
  });
  try {
    const adapter = await connect(role.settings);
    await adapter.testConnection();
    await adapter.ensureManagedSchema('__segment_reverse_etl');
    await adapter.checkGrants('__segment_reverse_etl');
    await adapter.createSnapshot('__segment_reverse_etl', 'orders_model');
    await adapter.introspect({
      relations: [
        { schema: 'marts', name: 'orders' },
        { schema: '__segment_reverse_etl', name: adapter.snapshotTable('orders_model') },
      ],
      queries: [{ id: 'q', sql: 'select order_id, amount from marts.orders' }],
    });
    await adapter.preview('select * from marts.orders', 3);
    await adapter.checkPrimaryKey('select * from marts.orders', 'order_id');
    await adapter.resetSnapshot('__segment_reverse_etl', 'orders_model');
    await adapter.dropSnapshot('__segment_reverse_etl', 'orders_model');
  } finally {
    spy.mockRestore();
  }
  expect(sent.length).toBeGreaterThan(8);
  const forbidden = [
    /\bunnest\b/i,
    /with ordinality/i,
    /\[\]/,
    /\barray\[/i,
    /\bvalues\s*\(/i,
    /filter\s*\(\s*where/i,
    /pg_temp/i,
    /format_type/i,
    /plpgsql/i,
    /\bE'/,
  ];
  for (const text of sent)
    for (const f of forbidden) expect({ text, ok: !f.test(text) }).toEqual({ text, ok: true });
});

test('quoted identifiers fold to lower case, as Redshift folds them by default', async () => {
  await db.query(`create table marts."MixedCase" ("Id" bigint, "Note" varchar(8));
    grant select on marts.mixedcase to ${quoteIdent(role.name)};`);
  expect(await db.postgres("select to_regclass('marts.mixedcase') is not null as ok")).toEqual([
    { ok: true },
  ]);
  const adapter = await connect(role.settings);
  const ref = { schema: 'Marts', name: 'MixedCase' };
  const result = await adapter.introspect({
    relations: [ref],
    queries: [{ id: 'q', sql: 'select "Id", "NOTE" from "Marts"."MIXEDCASE"' }],
  });
  const expected = [
    { name: 'id', type: 'bigint' },
    { name: 'note', type: 'character varying(8)' },
  ];
  expect(result.relations.get(relationKey(ref))).toEqual(expected);
  expect(result.queries.get('q')).toEqual({ columns: expected });
});

test('what Redshift refuses is refused, with its SQLSTATE', async () => {
  const adapter = await connect(role.settings);
  const refused = async (sql: string) => {
    const err = (await adapter.preview(sql, 1).catch((e: unknown) => e)) as UserError;
    expect(err).toBeInstanceOf(UserError);
    return err.message;
  };
  expect(await refused('select count(*) filter (where order_id > 1) as n from marts.orders')).toMatch(
    /syntax error at or near "\("/,
  );
  expect(await refused('select unnest(array[1, 2]) as n')).toMatch(/function unnest does not exist/);
  const onTables = /Specified types or functions \(one per INFO message\) not supported on Redshift tables/;
  expect(await refused('select format_type(23, -1) as t, order_id from marts.orders')).toMatch(onTables);
  expect(await refused('select array[1, 2] as a, order_id from marts.orders')).toMatch(onTables);
  expect(await refused('select o.order_id from marts.orders o join pg_namespace n on true')).toMatch(
    onTables,
  );
  expect(await refused('select c.column_name from svv_columns c join marts.orders o on true')).toMatch(
    onTables,
  );
  // The leader node runs them alone.
  expect((await adapter.preview('select format_type(23, -1) as t', 1)).rows).toEqual([{ t: 'integer' }]);
  expect(db.proxy.log.rejected.map((r) => r.code)).toEqual(
    expect.arrayContaining(['42601', '42883', '0A000']),
  );
});

test('describes types with their modifiers, without format_type()', async () => {
  const adapter = await connect(role.settings);
  const ref = { schema: 'marts', name: 'orders' };
  const result = await adapter.introspect({
    relations: [ref],
    queries: [{ id: 'q', sql: 'select * from marts.orders' }],
  });
  const expected = [
    { name: 'order_id', type: 'bigint' },
    { name: 'note', type: 'character varying(64)' },
    { name: 'amount', type: 'numeric(10,2)' },
  ];
  expect(result.relations.get(relationKey(ref))).toEqual(expected);
  expect(result.queries.get('q')).toEqual({ columns: expected });
});

test("string literals follow Redshift's escaping (backslashes, quotes)", async () => {
  const adapter = await connect(role.settings);
  const ref = { schema: 'marts', name: "back\\slash 'n' quote" };
  const result = await adapter.introspect({ relations: [ref], queries: [] });
  expect(result.relations.get(relationKey(ref))).toEqual([{ name: 'x', type: 'integer' }]);
});

test('an unreachable cluster names the security group to check', async () => {
  const port = await freePort();
  const adapter = await connect({ ...role.settings, port });
  const err = (await adapter.testConnection().catch((e: unknown) => e)) as UserError;
  expect(err.message).toBe(
    `cannot reach Redshift at 127.0.0.1:${port} (connection refused): check host, port, firewall`,
  );
  expect(err.hint).toMatch(/security group must allow inbound TCP/);
});

test('settings default to port 5439', async () => {
  const { port: _p, ...noPort } = role.settings;
  const text = getDialect('redshift').setupSql(noPort, '__segment_reverse_etl');
  expect(text).toContain(`at ${role.settings.host}:5439`);
});
