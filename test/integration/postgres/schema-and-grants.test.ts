import { UserError } from '../../../src/errors';
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter, WarehouseSettings } from '../../../src/adapters/warehouse/warehouse';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';

let db: TestDatabase;
const opened: WarehouseAdapter[] = [];

async function connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
  const adapter = await getDialect('postgres').connect(settings);
  opened.push(adapter);
  return adapter;
}

const schemaExists = async (name: string) =>
  (await db.query('select 1 from pg_namespace where nspname = $1', [name])).length === 1;

beforeAll(async () => {
  db = await createTestDatabase('grants');
});

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
  await db.drop();
});

test('the managed schema is created once, then left alone', async () => {
  const adapter = await connect(db.settings);
  await adapter.ensureManagedSchema('__segment_reverse_etl');
  await adapter.ensureManagedSchema('__segment_reverse_etl');
  expect(await schemaExists('__segment_reverse_etl')).toBe(true);
});

test('the owner of everything needs no grants', async () => {
  const adapter = await connect(db.settings);
  await adapter.ensureManagedSchema('owner_managed');
  expect(await adapter.checkGrants('owner_managed')).toEqual({ schema_exists: true, missing_grants: [] });
});

test('a least-privileged role gets the exact missing statements', async () => {
  const role = await db.createLeastPrivilegedRole();
  const adapter = await connect(role.settings);
  const r = `"${role.name}"`;
  expect(await adapter.checkGrants('bf_missing')).toEqual({
    schema_exists: false,
    missing_grants: [
      `GRANT TEMPORARY ON DATABASE "${db.name}" TO ${r};`,
      `CREATE SCHEMA IF NOT EXISTS "bf_missing" AUTHORIZATION ${r};`,
    ],
  });

  await db.query('create schema "bf existing"');
  expect((await adapter.checkGrants('bf existing')).missing_grants).toEqual([
    `GRANT TEMPORARY ON DATABASE "${db.name}" TO ${r};`,
    `GRANT USAGE, CREATE ON SCHEMA "bf existing" TO ${r};`,
  ]);

  // Running what it printed is enough.
  for (const statement of (await adapter.checkGrants('bf existing')).missing_grants)
    await db.query(statement);
  expect(await adapter.checkGrants('bf existing')).toEqual({ schema_exists: true, missing_grants: [] });
});

test('a role that may not create the schema is told the exact statement to ask for', async () => {
  const role = await db.createLeastPrivilegedRole();
  const adapter = await connect(role.settings);
  const err = await adapter.ensureManagedSchema('bf_denied').then(
    () => undefined,
    (e: unknown) => e as UserError,
  );
  expect(err).toBeInstanceOf(UserError);
  expect(err?.message).toContain('may not create the managed schema "bf_denied"');
  expect(err?.hint).toContain(`CREATE SCHEMA IF NOT EXISTS "bf_denied" AUTHORIZATION "${role.name}";`);
  expect(await schemaExists('bf_denied')).toBe(false);
});

test('a schema an admin made for the role is accepted without CREATE on the database', async () => {
  const role = await db.createLeastPrivilegedRole();
  await db.query(`create schema "bf_given" authorization "${role.name}"`);
  const adapter = await connect(role.settings);
  await expect(adapter.ensureManagedSchema('bf_given')).resolves.toBeUndefined();
});

describe('setup SQL', () => {
  const roleName = `bf setup "role" ${process.pid}`;
  const managed = 'bf managed "schema"';

  afterAll(async () => {
    await db.query(`drop schema if exists "bf managed ""schema""" cascade`);
    await db.query(`drop owned by "${roleName.replace(/"/g, '""')}"`).catch(() => undefined);
    await db.query(`drop role if exists "${roleName.replace(/"/g, '""')}"`);
  });

  test('names are quoted and every statement is there', () => {
    const sql = getDialect('postgres').setupSql(
      { host: '127.0.0.1', database: db.name, user: roleName, schema: 'analytics', read_schemas: ['marts'] },
      managed,
    );
    expect(sql).toContain(`CREATE ROLE "bf setup ""role"" ${process.pid}" WITH LOGIN;`);
    expect(sql).toMatch(/^-- ALTER ROLE .* WITH PASSWORD /m);
    expect(sql).toContain(`GRANT CONNECT, TEMPORARY ON DATABASE "${db.name}" TO`);
    for (const schema of ['analytics', 'marts']) {
      expect(sql).toContain(`GRANT USAGE ON SCHEMA "${schema}" TO`);
      expect(sql).toContain(`GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO`);
      expect(sql).toContain(`ALTER DEFAULT PRIVILEGES IN SCHEMA "${schema}" GRANT SELECT ON TABLES TO`);
    }
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "bf managed ""schema""" AUTHORIZATION');
  });

  test('runs as the superuser and yields a working least-privileged role', async () => {
    await db.query('create schema analytics');
    await db.query('create table analytics.users as select 1 as id');
    await db.query(`revoke all on database "${db.name}" from public`);
    const settings = { ...db.settings, user: roleName, password: 'setup-pw', schema: 'analytics' };
    const sql = getDialect('postgres')
      .setupSql(settings, managed)
      .replace(/^-- (ALTER ROLE .*)'replace-with-a-strong-password';$/m, "$1'setup-pw';");
    await db.query(sql);

    const adapter = await connect(settings);
    await adapter.testConnection();
    await adapter.ensureManagedSchema(managed);
    expect(await adapter.checkGrants(managed)).toEqual({ schema_exists: true, missing_grants: [] });
    await adapter.createSnapshot(managed, 'users');
    expect((await adapter.preview('select * from analytics.users', 10)).rows).toEqual([{ id: 1 }]);
    const result = await adapter.introspect({
      relations: [],
      queries: [{ id: 'q', sql: 'select id from analytics.users' }],
    });
    expect(result.queries.get('q')).toEqual({ columns: [{ name: 'id', type: 'integer' }] });
    await expect(adapter.checkPrimaryKey('select id from analytics.users', 'id')).resolves.toEqual({
      total: 1,
      distinct: 1,
      nulls: 0,
    });
    // Least privilege: it reads what it reads, and writes nothing there.
    const [privileges] = await db.query(
      "select has_table_privilege($1, 'analytics.users', 'INSERT') as can_insert, has_database_privilege($1, current_database(), 'CREATE') as can_create",
      [roleName],
    );
    expect(privileges).toEqual({ can_insert: false, can_create: false });
  });
});
