/**
 * Attack: a pull request adds a model whose SQL calls a function that deletes rows and advances a sequence.
 * `plan` (refresh: describe; primary-key check: runs the query) and `preview` must change nothing: every
 * statement they send runs in a read-only transaction.
 */
import { runCli } from '../../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../../helpers/workspace';

let db: TestDatabase;
let role: TestRole;

beforeAll(async () => {
  db = await createTestDatabase('attack_read_only');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`
    create schema analytics;
    create table analytics.victims (id int primary key);
    insert into analytics.victims select generate_series(1, 10);
    create sequence analytics.ticket;
    create function analytics.evil() returns int language plpgsql volatile as $$
      begin
        delete from analytics.victims;
        perform nextval('analytics.ticket');
        return 1;
      end $$;
    grant usage on schema analytics to "${role.name}";
    grant select, delete on analytics.victims to "${role.name}";
    grant usage, update on sequence analytics.ticket to "${role.name}";
    grant execute on function analytics.evil() to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
});

afterAll(async () => {
  await db.drop();
});

async function untouched(): Promise<void> {
  expect(await db.query('select count(*)::int as n from analytics.victims')).toEqual([{ n: 10 }]);
  expect(await db.query('select last_value::int as v, is_called from analytics.ticket')).toEqual([
    { v: 1, is_called: false },
  ]);
}

const MODELS: Record<string, string> = {
  in_select_list: 'select id, analytics.evil() as e from analytics.victims',
  in_where: 'select id from analytics.victims where analytics.evil() = 1',
  sequence: "select nextval('analytics.ticket') as id",
  in_cte: 'with x as (select analytics.evil() as id) select id from x',
};

test.each(Object.entries(MODELS))('plan and preview change nothing: %s', async (name, query) => {
  const dir = scratchDir();
  writeConfig(dir, {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    models: { [name]: { source: 'warehouse', name, query, primary_key: 'id' } },
  });
  // --trust-new-endpoints: plan connects to this (new) source, as it does once the source is applied.
  const plan = await runCli(['plan', '--trust-new-endpoints'], { cwd: dir, env: SECRETS });
  await untouched();
  // The primary-key check runs the query: the warehouse refuses the write, and the plan says so.
  expect(plan.output).toMatch(/read-only transaction/);
  const preview = await runCli(['preview', name, '--limit', '5'], { cwd: dir, env: SECRETS });
  expect(preview.code).toBe(1);
  expect(preview.output).toMatch(/read-only transaction/);
  await untouched();
});
