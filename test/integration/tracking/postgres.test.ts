/** The shared data-plane suite against the real Postgres started by the harness. */
import { createTestDatabase, quoteIdent, type TestDatabase } from '../../helpers/pg';
import { trackingSuite } from './tracking-suite';

let db: TestDatabase;

trackingSuite('postgres', async () => {
  db = await createTestDatabase('tracking_postgres');
  const role = await db.createRole({ password: 'Pg-tracking-secret-1618' });
  await db.query(`create schema marts; grant usage on schema marts to ${quoteIdent(role.name)}`);
  await db.query(
    `alter default privileges in schema marts grant select on tables to ${quoteIdent(role.name)}`,
  );
  await db.query(`grant create on database ${quoteIdent(db.name)} to ${quoteIdent(role.name)}`);
  return {
    warehouse: 'postgres',
    settings: role.settings,
    managedSchema: '__backflow',
    exec: async (sql) => void (await db.query(sql)),
    quote: quoteIdent,
    table: (name) => `marts.${quoteIdent(name)}`,
    lit: (value) => `'${value.replace(/'/g, "''")}'`,
    types: { text: 'text', bigint: 'bigint', double: 'double precision', boolean: 'boolean', date: 'date' },
    hostileSync: 'Orders "to" Hub spot',
    hostileColumn: 'Full "Name"; drop',
    teardown: async () => db.drop(),
  };
});
