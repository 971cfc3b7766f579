/**
 * Drift and recovery against a real Postgres: changes made outside Backflow show apart as drift and are
 * repaired or recorded; an orchestrated pause is rolled back when the model change fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';

let db: TestDatabase;
let role: TestRole;
let dir: string;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, env: SECRETS });
const state = (): any => JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));

function config(query = 'select id, name from analytics.people'): Record<string, unknown> {
  return {
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    models: {
      people: {
        source: 'warehouse',
        name: 'People',
        query,
        primary_key: 'id',
        lifecycle: { on_attached_change: 'pause' },
      },
    },
    destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
    syncs: { people_to_crm: { model: 'people', destination: 'crm' } },
  };
}

beforeAll(async () => {
  db = await createTestDatabase('e2e_drift');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`
    create schema analytics;
    create table analytics.people (id int primary key, name text);
    create table analytics.people_v2 (id int primary key, name text);
    insert into analytics.people values (1, 'a'), (2, 'b');
    insert into analytics.people_v2 values (1, 'a');
    grant usage on schema analytics to "${role.name}";
    grant select on all tables in schema analytics to "${role.name}";
    grant create, temporary on database "${db.name}" to "${role.name}";
  `);
  dir = scratchDir('backflow-drift-');
  writeConfig(dir, config());
  expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
});

afterAll(async () => {
  await db?.drop();
});

it('shows a dropped snapshot table as drift and re-creates it', async () => {
  await db.query(`drop table "__segment_reverse_etl"."snapshot_people"`);
  const plan = await cli(['plan']);
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain('Objects have changed outside of Backflow');
  expect(plan.stdout).toContain('model.people');
  expect(plan.stdout).toContain('Plan: 0 to add, 1 to change, 0 to destroy.');
  expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
  const t = await db.query(
    `select 1 from information_schema.tables where table_schema = '__segment_reverse_etl' and table_name = 'snapshot_people'`,
  );
  expect(t).toHaveLength(1);
  expect((await cli(['plan', '-detailed-exitcode'])).code).toBe(0);
});

it('reports a new column as drift in a refresh-only plan, and records it', async () => {
  // A model that selects * from a view sees a column added to the view as drift.
  await db.query(`alter table analytics.people add column email text`);
  await db.query(
    `create view analytics.people_all as select * from analytics.people; grant select on analytics.people_all to "${role.name}"`,
  );
  writeConfig(dir, {
    ...config(),
    models: {
      ...(config().models as object),
      all_people: {
        source: 'warehouse',
        name: 'All',
        query: 'select * from analytics.people_all',
        primary_key: 'id',
      },
    },
  });
  expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
  await db.query(
    `create or replace view analytics.people_all as select id, name, email, 1 as extra from analytics.people`,
  );
  const plan = await cli(['plan', '-refresh-only', '-detailed-exitcode']);
  expect(plan.code).toBe(2);
  expect(plan.stdout).toContain('model.all_people');
  expect(plan.stdout).toContain('extra');
  const apply = await cli(['apply', '-refresh-only', '-auto-approve']);
  expect(apply.code).toBe(0);
  expect(state().resources['model.all_people'].computed.columns.map((c: any) => c.name)).toEqual([
    'id',
    'name',
    'email',
    'extra',
  ]);
  expect((await cli(['plan', '-refresh-only', '-detailed-exitcode'])).code).toBe(0);
});

it('rolls back the pause when the orchestrated model change fails', async () => {
  const models = (q: string) => ({
    ...config(q),
    models: {
      ...(config(q).models as object),
      all_people: {
        source: 'warehouse',
        name: 'All',
        query: 'select * from analytics.people_all',
        primary_key: 'id',
      },
    },
  });
  writeConfig(dir, models('select id, name from analytics.people_v2'));
  const planned = await cli(['plan', '-out=change.plan']);
  expect(planned.code).toBe(0);
  expect(planned.stdout).toContain('sync.people_to_crm');
  // Between plan and apply the new query's table disappears: the model change must fail at apply.
  await db.query(`drop table analytics.people_v2`);
  const applied = await cli(['apply', 'change.plan']);
  expect(applied.code).toBe(1);
  expect(applied.output).toMatch(/sync\.people_to_crm.*paused/i);
  expect(applied.output).toMatch(/sync\.people_to_crm.*resumed/i);
  expect(applied.output).toMatch(/model\.people/);
  const s = state();
  expect(s.resources['sync.people_to_crm'].paused_by).toBeUndefined();
  expect(s.resources['model.people'].attributes.query).toBe('select id, name from analytics.people');
});
