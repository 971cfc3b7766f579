/**
 * The shared data-plane suite: the Redshift adapter over `pg` against Postgres behind the Redshift
 * compatibility schema, plus a check that the tracking SQL uses nothing Redshift lacks (Postgres would run it).
 */
import { Client } from 'pg';
import { quoteIdent, type TestDatabase } from '../../helpers/pg';
import { createRedshiftDatabase } from '../../helpers/redshift';
import { trackingSuite } from './tracking-suite';

let db: TestDatabase;
let user = '';
const sent: string[] = [];
const original = Client.prototype.query;
let spy: jest.SpyInstance | undefined;

trackingSuite('redshift', async () => {
  db = await createRedshiftDatabase('tracking_redshift');
  const role = await db.createRole({ password: 'Rs-tracking-secret-1414' });
  user = role.name;
  await db.query(`create schema marts; grant usage on schema marts to ${quoteIdent(role.name)}`);
  await db.query(
    `alter default privileges in schema marts grant select on tables to ${quoteIdent(role.name)}`,
  );
  await db.query(`grant create on database ${quoteIdent(db.name)} to ${quoteIdent(role.name)}`);
  spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: any[]) {
    const text = typeof args[0] === 'string' ? args[0] : args[0]?.text;
    if ((this as any).connectionParameters?.user === user && typeof text === 'string') sent.push(text);
    return (original as any).apply(this, args);
  });
  return {
    warehouse: 'redshift',
    settings: role.settings,
    managedSchema: '__backflow',
    exec: async (sql) => void (await db.query(sql)),
    quote: quoteIdent,
    table: (name) => `marts.${quoteIdent(name)}`,
    lit: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`,
    types: {
      text: 'varchar(256)',
      bigint: 'bigint',
      double: 'double precision',
      boolean: 'boolean',
      date: 'date',
    },
    // Redshift folds names to lower case: a hostile name is hostile by quotes and spaces, not case.
    hostileSync: 'orders "to" hub spot',
    hostileColumn: 'full "name"; drop',
    teardown: async () => {
      spy?.mockRestore();
      await db.drop();
    },
  };
});

afterAll(() => {
  // Checked after the suite ran every operation of the contract.
  expect(sent.length).toBeGreaterThan(100);
  const forbidden = [
    /\bunnest\b/i,
    /on\s+conflict/i,
    /\[\]/,
    /\barray\[/i,
    /\bvalues\s*\(/i,
    /filter\s*\(\s*where/i,
    /is\s+(not\s+)?distinct\s+from/i,
    /on\s+commit\s+drop/i,
    /\btemp(orary)?\s+table/i,
    /::\s*text\b/i,
    /\bcast\([^)]*\bas\s+text\)/i,
    /to_regclass/i,
    /pg_advisory/i,
    /\bE'/,
    /\bmerge\s+into/i,
  ];
  const bad = sent.filter((text) => forbidden.some((f) => f.test(text)));
  expect(bad).toEqual([]);
});
