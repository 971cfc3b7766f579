/** The shared adapter suite: the Redshift adapter over `pg` against Postgres behind the Redshift compatibility schema. */
import { quoteIdent, type TestDatabase } from '../../helpers/pg';
import { createRedshiftDatabase } from '../../helpers/redshift';
import { adapterSuite } from './adapter-suite';

let db: TestDatabase;
const ODD = 'odd schema "é"';

adapterSuite('redshift', async () => {
  db = await createRedshiftDatabase('suite_redshift');
  const role = await db.createRole({ password: 'Rs-suite-secret-1732' });
  const r = quoteIdent(role.name);
  await db.query(`create schema marts; create schema ${quoteIdent(ODD)};`);
  await db.query(`grant usage on schema marts, ${quoteIdent(ODD)} to ${r}`);
  await db.query(`alter default privileges in schema marts grant select on tables to ${r}`);
  await db.query(`alter default privileges in schema ${quoteIdent(ODD)} grant select on tables to ${r}`);
  await db.query(`grant create on database ${quoteIdent(db.name)} to ${r}`);
  return {
    warehouse: 'redshift',
    settings: { ...role.settings },
    schema: 'marts',
    managedSchema: '__segment_reverse_etl',
    exec: async (sql) => void (await db.query(sql)),
    quote: quoteIdent,
    table: (schema, name) => `${quoteIdent(schema)}.${quoteIdent(name)}`,
    types: { bigint: 'bigint', text: 'varchar(256)', boolean: 'boolean' },
    column: (name) => name,
    typeNames: { bigint: 'bigint', text: 'character varying(256)' },
    hostile: { schema: ODD, table: 'table `with` spaces ✓; drop', column: 'col "1"; drop' },
    introspectRoundTrips: 1,
    relationExists: async (schema, name) =>
      (
        await db.query('select to_regclass($1) is not null as ok', [
          `${quoteIdent(schema)}.${quoteIdent(name)}`,
        ])
      )[0].ok as boolean,
    badCredentials: async () => ({
      settings: { ...role.settings, password: 'Wrong-rs-pw-27182' },
      secret: 'Wrong-rs-pw-27182',
      message: /password authentication failed for user .* on Redshift at/,
    }),
    limited: async () => {
      const weak = await db.createLeastPrivilegedRole();
      return {
        settings: weak.settings,
        missing: [`GRANT USAGE, CREATE ON SCHEMA "__segment_reverse_etl" TO ${quoteIdent(weak.name)};`],
      };
    },
    teardown: async () => db.drop(),
  };
});
