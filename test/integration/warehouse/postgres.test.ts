/** The shared adapter suite against the real Postgres started by the harness. */
import { createTestDatabase, quoteIdent, type TestDatabase } from '../../helpers/pg';
import { adapterSuite } from './adapter-suite';

let db: TestDatabase;

adapterSuite('postgres', async () => {
  db = await createTestDatabase('suite_postgres');
  const role = await db.createRole({ password: 'Pg-suite-secret-2718' });
  await db.query(`create schema marts; create schema ${quoteIdent('Odd Schema "é"')};`);
  await db.query(`grant usage on schema marts, ${quoteIdent('Odd Schema "é"')} to ${quoteIdent(role.name)}`);
  await db.query(
    `alter default privileges in schema marts grant select on tables to ${quoteIdent(role.name)}`,
  );
  await db.query(
    `alter default privileges in schema ${quoteIdent('Odd Schema "é"')} grant select on tables to ${quoteIdent(role.name)}`,
  );
  await db.query(`grant create on database ${quoteIdent(db.name)} to ${quoteIdent(role.name)}`);
  return {
    warehouse: 'postgres',
    settings: role.settings,
    schema: 'marts',
    managedSchema: '__segment_reverse_etl',
    exec: async (sql) => void (await db.query(sql)),
    quote: quoteIdent,
    table: (schema, name) => `${quoteIdent(schema)}.${quoteIdent(name)}`,
    types: { bigint: 'bigint', text: 'text', boolean: 'boolean' },
    column: (name) => name,
    typeNames: { bigint: 'bigint', text: 'text' },
    hostile: { schema: 'Odd Schema "é"', table: 'Table `with` spaces ✓; drop', column: 'Col "1"; drop' },
    introspectRoundTrips: 1,
    relationExists: async (schema, name) =>
      (
        await db.query('select to_regclass($1) is not null as ok', [
          `${quoteIdent(schema)}.${quoteIdent(name)}`,
        ])
      )[0].ok as boolean,
    badCredentials: async () => ({
      settings: { ...role.settings, password: 'Wrong-pw-31415' },
      secret: 'Wrong-pw-31415',
      message: /password authentication failed/,
    }),
    limited: async () => {
      const weak = await db.createLeastPrivilegedRole();
      return {
        settings: weak.settings,
        missing: [
          `GRANT TEMPORARY ON DATABASE ${quoteIdent(db.name)} TO ${quoteIdent(weak.name)};`,
          `GRANT USAGE, CREATE ON SCHEMA "__segment_reverse_etl" TO ${quoteIdent(weak.name)};`,
        ],
      };
    },
    teardown: async () => db.drop(),
  };
});
