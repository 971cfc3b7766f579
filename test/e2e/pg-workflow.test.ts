/**
 * The team workflow through the real CLI with the pg backend: apply, show, saved plans that go stale,
 * history and rollback, the lock as a second run meets it, force-unlock, migrate between backends, and a
 * damaged or too-new state row. Then history and rollback on the local backend.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { PgBackend } from '../../src/state/pg-backend';
import { pgTables } from '../../src/state/pg-schema';
import { runCli, type CliResult, expectNoErrorOutput } from '../helpers/cli';
import {
  createTestDatabase,
  seedAnalyticsTable,
  uniqueName,
  type TestDatabase,
  type TestRole,
} from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';
import { waitFor } from '../helpers/wait';

let db: TestDatabase;
let role: TestRole;
let admin: Client;
let dir: string;
const schema = uniqueName('wf_state');
const t = pgTables(schema);

const cli = (args: string[], cwd = dir): Promise<CliResult> =>
  runCli(args, { cwd, env: { ...SECRETS, STATE_URL: db.url } });

function config(url: string, workspace = 'prod'): Record<string, unknown> {
  return {
    backend: { type: 'pg', connection_string: { env: 'STATE_URL' }, schema, workspace },
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    models: {
      users: {
        source: 'warehouse',
        name: 'Users',
        query: 'select id, v from analytics.t',
        primary_key: 'id',
      },
    },
    destinations: {
      crm: { type: 'webhook', url, headers: { Authorization: { env: 'CRM_TOKEN' } } },
    },
    syncs: { users_to_crm: { model: 'users', destination: 'crm', schedule: { strategy: 'manual' } } },
  };
}

beforeAll(async () => {
  db = await createTestDatabase('e2e_pg_workflow');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await seedAnalyticsTable(db, role, 10);
  admin = new Client({ connectionString: db.url });
  await admin.connect();
  dir = scratchDir('backflow-pg-workflow-');
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

describe('pg backend through the CLI', () => {
  it('applies into Postgres, keeps no secret there, and shows the state', async () => {
    writeConfig(dir, config('https://hooks.example.com/v1'));
    const apply = await cli(['apply', '-auto-approve']);
    expectNoErrorOutput(apply.stderr);
    expect(apply.stdout).toContain('Apply complete! Resources: 4 added');
    expect(existsSync(join(dir, '.backflow'))).toBe(false);

    const rows = await admin.query(`select body from ${t.states}`);
    expect(rows.rows).toHaveLength(1);
    for (const secret of Object.values(SECRETS)) expect(rows.rows[0].body).not.toContain(secret);

    const show = await cli(['show']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('# destination.crm:\nresource "destination" "crm" {');
    expect(show.stdout).toContain('Authorization = (sensitive value)');
    expect(show.stdout).toContain('password = (sensitive value)');
    const json = JSON.parse((await cli(['show', '--json'])).stdout);
    expect(json).toMatchObject({ format_version: '1.0', serial: 1 });
    const crm = json.values.root_module.resources.find((r: any) => r.address === 'destination.crm');
    expect(crm).toMatchObject({
      mode: 'managed',
      type: 'destination',
      name: 'crm',
      values: { type: 'webhook', url: 'https://hooks.example.com/v1', headers: {} },
      sensitive_values: { headers: { Authorization: true } },
    });
    const shown = JSON.stringify(json) + show.stdout;
    for (const secret of Object.values(SECRETS)) expect(shown).not.toContain(secret);
  });

  it('refuses a saved plan once the state moved, and says how to plan again; shows saved plans', async () => {
    writeConfig(dir, config('https://hooks.example.com/v2'));
    const plan = await cli(['plan', '-out=v2.plan']);
    expect(plan.code).toBe(0);
    const human = await cli(['show', 'v2.plan']);
    expect(human.stdout).toContain(
      '~ url = "https://hooks.example.com/v1" -> "https://hooks.example.com/v2"',
    );
    expect(human.stdout.trimEnd().split('\n').at(-1)).toBe('Plan: 0 to add, 1 to change, 0 to destroy.');
    const json = JSON.parse((await cli(['show', '--json', 'v2.plan'])).stdout);
    expect(json.prior_state.serial).toBe(1);
    expect(json.resource_changes.find((c: any) => c.address === 'destination.crm').change.actions).toEqual([
      'update',
    ]);

    // Someone else applies first: serial 2.
    const other = await cli(['apply', '-auto-approve']);
    expect(other.code).toBe(0);
    const stale = await cli(['apply', 'v2.plan']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('Saved plan is stale: the state serial moved from 1 to 2');
    expect(stale.stderr).toMatch(
      /Run `backflow plan --out .*v2\.plan` again, review it, and apply the new plan\./,
    );

    // A fresh plan of the same change applies.
    writeConfig(dir, config('https://hooks.example.com/v3'));
    expect((await cli(['plan', '-out=v3.plan'])).code).toBe(0);
    const applied = await cli(['apply', 'v3.plan']);
    expectNoErrorOutput(applied.stderr);
    expect(applied.stdout).toContain('1 changed');
  });

  it('lists the history and rolls back to any kept version, as a new serial', async () => {
    const history = await cli(['state', 'history']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(
      / 3 \(current\) \| [0-9a-f-]{36} \| \d{4}-\d\d-\d\dT[\d:.]+Z \| \d+\.\d+\.\d+ +\| 4/,
    );
    expect(history.stdout).toMatch(/ 2 +\| /);
    expect(history.stdout).toMatch(/ 1 +\| /);
    const versions = JSON.parse((await cli(['state', 'history', '--json'])).stdout).versions;
    expect(versions.map((v: any) => v.serial)).toEqual([3, 2, 1]);

    const unknown = await cli(['state', 'rollback', '9']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No state version with serial 9');
    expect(unknown.stderr).toContain('Versions kept: 3 (current), 2, 1.');

    const rollback = await cli(['state', 'rollback', '1']);
    expectNoErrorOutput(rollback.stderr);
    expect(rollback.stdout).toContain('to serial 1: written as serial 4 (4 resources)');
    const state = JSON.parse((await cli(['show', '--json'])).stdout);
    expect(state.serial).toBe(4);
    const crm = state.values.root_module.resources.find((r: any) => r.address === 'destination.crm');
    expect(crm.values.url).toBe('https://hooks.example.com/v1');
    // The restored state is v1; the config says v3: plan shows the way back.
    const plan = await cli(['plan', '-detailed-exitcode']);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('"https://hooks.example.com/v1" -> "https://hooks.example.com/v3"');
    expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
  });

  it('names the holder to a second run, waits with --lock-timeout, and force-unlock ends the holder session', async () => {
    const holder = new PgBackend({ connection_string: db.url, schema, workspace: 'prod' });
    const held = await holder.lock('apply');
    try {
      const locked = await cli(['plan']);
      expect(locked.code).toBe(1);
      expect(locked.stderr).toContain('Error acquiring the state lock');
      expect(locked.stderr).toContain(`ID:        ${held.info.id}`);
      expect(locked.stderr).toContain(`(pid ${process.pid})`);
      expect(locked.stderr).toContain(`backflow force-unlock ${held.info.id}`);

      const waiting = cli(['plan', '--lock-timeout', '20s']);
      // Unlock once the second plan is waiting: its own lock session is open and retrying.
      await waitFor('the second plan waits for the lock', async () => {
        const rows = await db.query(
          "select count(*)::int as n from pg_stat_activity where application_name = 'backflow lock prod'",
        );
        return rows[0].n >= 2;
      });
      const unlock = await cli(['force-unlock', '-force', held.info.id]);
      expect(unlock.code).toBe(0);
      expect(unlock.stdout).toContain('Backflow state has been successfully unlocked!');
      const waited = await waiting;
      expect(waited.code).toBe(0);
      expect(waited.stdout).toContain('No changes.');
      // The holder's session is gone: it can write nothing more.
      await expect(holder.write({ ...(await holder.read())!, serial: 99 })).rejects.toThrow(/was lost/);
    } finally {
      await held.release();
      await holder.close();
    }
  });

  it('migrates between backends, and never over another workspace', async () => {
    const localDir = scratchDir('backflow-pg-migrate-');
    writeFileSync(join(localDir, 'backflow.json'), JSON.stringify({ backend: { type: 'local' } }));
    const out = await cli(['state', 'migrate', '--to-config', localDir]);
    expectNoErrorOutput(out.stderr);
    expect(out.stdout).toContain('Migrated the state');
    const local = JSON.parse(readFileSync(join(localDir, '.backflow', 'state.json'), 'utf8'));
    const current = JSON.parse((await cli(['show', '--json'])).stdout);
    expect(local).toMatchObject({ lineage: current.lineage, serial: current.serial });
    expect((await cli(['state', 'migrate', '--to-config', localDir])).stdout).toContain('nothing to migrate');

    // Back into a new pg workspace, whose config points at it.
    const stagingDir = scratchDir('backflow-pg-migrate-staging-');
    writeConfig(stagingDir, config('https://hooks.example.com/v3', 'staging'));
    const back = await cli(['state', 'migrate', '--from-config', localDir], stagingDir);
    expectNoErrorOutput(back.stderr);
    const noop = await cli(['plan', '-detailed-exitcode'], stagingDir);
    expect(noop.stdout).toContain('No changes.');

    // prod and staging are now one lineage; a third workspace of its own lineage is never overwritten.
    const otherDir = scratchDir('backflow-pg-migrate-other-');
    writeConfig(otherDir, { ...config('https://hooks.example.com/v3', 'other'), models: {}, syncs: {} });
    expect((await cli(['apply', '-auto-approve'], otherDir)).code).toBe(0);
    const refused = await cli(['state', 'migrate', '--to-config', otherDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /Refusing to migrate: .*"other".* already holds another workspace's state/,
    );
    expect(
      JSON.parse((await cli(['show', '--json'], otherDir)).stdout).values.root_module.resources,
    ).toHaveLength(2);

    const usage = await cli(['state', 'migrate']);
    expect(usage.stderr).toContain('state migrate needs exactly one of --to-config DIR or --from-config DIR');
  });

  it('refuses a damaged state row and a state written by a newer Backflow, and rollback repairs', async () => {
    const serial = JSON.parse((await cli(['show', '--json'])).stdout).serial as number;
    await admin.query(
      `update ${t.states} set body = left(body, 200) where workspace = 'prod' and serial = $1`,
      [serial],
    );
    const damaged = await cli(['plan']);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain(`Error: State serial ${serial} of pg workspace "prod"`);
    expect(damaged.stderr).toMatch(/is corrupt: it is not valid JSON/);
    expect(damaged.stderr).toContain('`backflow state rollback SERIAL`');
    expect(damaged.stderr).not.toMatch(/^\s+at /m);
    const repaired = await cli(['state', 'rollback', String(serial - 1)]);
    expectNoErrorOutput(repaired.stderr);
    expect(JSON.parse((await cli(['show', '--json'])).stdout).serial).toBe(serial + 1);

    await admin.query(`update ${t.states} set body = $1 where workspace = 'prod' and serial = $2`, [
      JSON.stringify({ format_version: 7, backflow_version: '9.0.0', lineage: 'x', serial: 1 }),
      serial + 1,
    ]);
    const newer = await cli(['apply', '-auto-approve']);
    expect(newer.code).toBe(1);
    expect(newer.stderr).toMatch(
      /was written by Backflow 9\.0\.0 \(format 7\); this is Backflow .* upgrade Backflow/,
    );
    expect(newer.stderr).toContain('Older versions never rewrite a newer state');
  });
});

describe('local backend history and rollback', () => {
  it('keeps the state and its backup, rolls back to the backup, and says what it cannot', async () => {
    const local = scratchDir('backflow-local-history-');
    const localConfig = (url: string): Record<string, unknown> => {
      const c = config(url);
      delete c.backend;
      return c;
    };
    writeConfig(local, localConfig('https://hooks.example.com/a'));
    expect((await cli(['apply', '-auto-approve'], local)).code).toBe(0);
    writeConfig(local, localConfig('https://hooks.example.com/b'));
    expect((await cli(['apply', '-auto-approve'], local)).code).toBe(0);

    const history = await cli(['state', 'history'], local);
    expect(history.stdout).toMatch(/ 2 \(current\) \|/);
    expect(history.stdout).toMatch(/ 1 +\|/);
    expect(history.stdout).toContain(
      'The local backend keeps the current state and the one before it (.backup)',
    );

    const unknown = await cli(['state', 'rollback', '0'], local);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Versions kept: 2 (current), 1.');
    expect(unknown.stderr).toContain('the pg backend keeps every version');

    const rollback = await cli(['state', 'rollback', '1'], local);
    expect(rollback.stdout).toContain('written as serial 3');
    expect(rollback.stdout).toContain('Serial 2 is kept as the backup.');
    const state = JSON.parse(readFileSync(join(local, '.backflow', 'state.json'), 'utf8'));
    expect(state.serial).toBe(3);
    expect(state.resources['destination.crm'].attributes.url).toBe('https://hooks.example.com/a');
    const backup = JSON.parse(readFileSync(join(local, '.backflow', 'state.json.backup'), 'utf8'));
    expect(backup.serial).toBe(2);
  });
});
