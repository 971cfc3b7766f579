/**
 * The pg state backend against the harness's Postgres: the shared backend suite, then what only a
 * database-backed backend has (history, concurrent creation, fencing, sessions ending).
 */
import { StateLockedError, UserError } from '../../../src/errors';
import { PgBackend } from '../../../src/state/pg-backend';
import { pgTables, type PgTables } from '../../../src/state/pg-schema';
import { serializeState } from '../../../src/state/state';
import type { JournalEntry } from '../../../src/state/types';
import { BACKFLOW_VERSION } from '../../../src/version';
import { createTestDatabase, type TestDatabase } from '../../helpers/pg';
import { describeBackendSuite, shown } from '../../unit/state/backend-suite';
import { resource, stateWith } from '../../unit/state/builders';
import { pgFixture, type PgFixture } from './pg-fixture';
import { waitFor } from '../../helpers/wait';

const put = (n: string): JournalEntry => ({
  op: 'put',
  address: `model.${n}`,
  resource: resource('model', n),
});

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('state_pg');
});
afterAll(async () => {
  await db?.drop();
});

describeBackendSuite('pg', () => pgFixture(db));

describe('pg backend', () => {
  let fx: PgFixture;
  const opened: PgBackend[] = [];
  const open = (options?: { lockTimeoutMs?: number }): PgBackend => {
    const b = fx.open(options) as PgBackend;
    opened.push(b);
    return b;
  };
  const t = (): PgTables => pgTables(fx.schema);

  beforeEach(async () => {
    fx = await pgFixture(db);
  });
  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
    await fx.dispose();
  });

  it('creates its tables once when many runners start at the same moment', async () => {
    const backends = Array.from({ length: 12 }, () => open());
    await Promise.all(backends.map((b) => b.read()));
    const r = await fx.admin.query(
      `select table_name from information_schema.tables where table_schema = $1 order by 1`,
      [fx.schema],
    );
    expect(r.rows.map((row) => row.table_name)).toEqual(['journal', 'locks', 'states']);
  });

  it('keeps every version: history newest first, any version readable', async () => {
    const b = open();
    const first = stateWith(1, 1);
    await b.write(first);
    await b.write(stateWith(3, 2, first));
    await b.write(stateWith(2, 3, first));
    const history = await open().history();
    expect(history.map((v) => [v.serial, v.resources, v.current])).toEqual([
      [3, 3, true],
      [2, 4, false],
      [1, 2, false],
    ]);
    expect(history.every((v) => v.lineage === first.lineage && v.backflow_version === BACKFLOW_VERSION)).toBe(
      true,
    );
    expect(Date.parse(history[0].created_at!)).toBeGreaterThan(Date.now() - 60000);
    expect(Object.keys((await open().readVersion(2))!.resources)).toHaveLength(4);
    expect(await open().readVersion(9)).toBeNull();
    expect(await open().history()).toHaveLength(3);
  });

  it('stores the state text exactly as the local backend writes it', async () => {
    const state = stateWith(2, 1);
    await open().write(state);
    const r = await fx.admin.query(`select body, lineage, serial from ${t().states}`);
    expect(r.rows[0].body).toBe(serializeState({ ...state, backflow_version: BACKFLOW_VERSION }));
    expect(r.rows[0]).toMatchObject({ lineage: state.lineage, serial: '1' });
  });

  it('names the holder in the lock row, with its session and CI run, and removes it on release', async () => {
    const saved = process.env.CI_JOB_URL;
    process.env.CI_JOB_URL = 'https://gitlab.example.com/acme/analytics/-/jobs/7';
    try {
      const held = await open().lock('apply');
      const row = (await fx.admin.query(`select * from ${t().locks}`)).rows[0];
      expect(row).toMatchObject({
        workspace: 'prod',
        id: held.info.id,
        who: held.info.who,
        operation: 'apply',
        ci_url: 'https://gitlab.example.com/acme/analytics/-/jobs/7',
      });
      const activity = await fx.admin.query(`select application_name from pg_stat_activity where pid = $1`, [
        row.pid,
      ]);
      expect(activity.rows[0].application_name).toBe('backflow lock prod');
      await held.release();
      expect((await fx.admin.query(`select * from ${t().locks}`)).rowCount).toBe(0);
    } finally {
      if (saved === undefined) delete process.env.CI_JOB_URL;
      else process.env.CI_JOB_URL = saved;
    }
  });

  it('locks each workspace apart', async () => {
    const prod = await open().lock('apply');
    const other = new PgBackend({ connection_string: db.url, schema: fx.schema, workspace: 'staging' });
    opened.push(other);
    const staging = await other.lock('apply');
    await expect(open().lock('plan')).rejects.toBeInstanceOf(StateLockedError);
    await staging.release();
    await prod.release();
  });

  it('is free again when its holder dies: no force-unlock, and the stale row is never named', async () => {
    const dead = await open().lock('apply');
    const { pid } = (await fx.admin.query(`select pid from ${t().locks}`)).rows[0];
    await fx.admin.query('select pg_terminate_backend($1, 5000)', [pid]);
    const next = await open().lock('plan');
    const row = (await fx.admin.query(`select id from ${t().locks}`)).rows[0];
    expect(row.id).toBe(next.info.id);
    expect(row.id).not.toBe(dead.info.id);
    await dead.release(); // harmless
    const err = await open()
      .lock('plan')
      .catch((e: unknown) => e);
    expect(shown(err)).toContain(next.info.id);
    await next.release();
  });

  it('force-unlock ends the holder session, whose writes are then refused (fenced)', async () => {
    const a = open();
    const state = stateWith(1, 1);
    await a.write(state);
    const held = await a.lock('apply');
    const { pid } = (await fx.admin.query(`select pid from ${t().locks}`)).rows[0];
    await open().forceUnlock(held.info.id);
    const alive = await fx.admin.query('select 1 from pg_stat_activity where pid = $1', [pid]);
    expect(alive.rowCount).toBe(0);
    const b = open();
    const taken = await b.lock('apply');
    await expect(a.appendJournal(state, put('late'))).rejects.toThrow(/state lock .* was lost/);
    const err = await a.write({ ...state, serial: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(shown(err)).toMatch(/was lost while this command ran/);
    expect(shown(err)).toMatch(/force-unlock/);
    await b.write({ ...state, serial: 2 });
    expect((await open().read())!.serial).toBe(2);
    expect((await open().readWithRecovery()).recoveredJournalEntries).toBe(0);
    await taken.release();
  });

  it('refuses writes once its lock session is gone, even before anyone else locks', async () => {
    const a = open();
    const state = stateWith(1, 1);
    await a.write(state);
    await a.lock('apply');
    const { pid } = (await fx.admin.query(`select pid from ${t().locks}`)).rows[0];
    await fx.admin.query('select pg_terminate_backend($1, 5000)', [pid]);
    await waitFor('the lock session is gone', async () => {
      const rows = await fx.admin.query('select count(*)::int as n from pg_stat_activity where pid = $1', [
        pid,
      ]);
      return rows.rows[0].n === 0;
    });
    await expect(a.appendJournal(state, put('x'))).rejects.toThrow(/was lost/);
    await expect(a.write({ ...state, serial: 2 })).rejects.toThrow(/was lost/);
  });

  it('turns a damaged journal row into a message with the SQL that sets it aside', async () => {
    const state = stateWith(1, 1);
    const b = open();
    await b.write(state);
    await b.appendJournal(state, put('a'));
    await fx.admin.query(`update ${t().journal} set entry = '{"op":"put"' || chr(10) where seq = 1`);
    const err = await open()
      .read()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(shown(err)).toMatch(/State journal .*journal \(workspace "prod"\) is corrupt at line 2/);
    expect(shown(err)).toMatch(
      /update ".*"\.journal set workspace = 'prod\.corrupt-\d+' where workspace = 'prod';/,
    );
  });

  it('never shows the connection string or its password', async () => {
    const role = await db.createRole({ password: 'pw-Zz9-state-secret' });
    const url = new URL(db.url);
    url.username = role.name;
    url.password = 'pw-Zz9-wrong-secret';
    const wrong = new PgBackend({ connection_string: url.toString(), schema: fx.schema, workspace: 'prod' });
    opened.push(wrong);
    expect(wrong.describe()).not.toContain('secret');
    const err = await wrong.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(shown(err)).toMatch(/Cannot connect to the pg state backend/);
    expect(shown(err)).not.toContain('secret');
    const closed = new PgBackend({
      connection_string: 'postgres://u:pw-Zz9-x@127.0.0.1:1/db',
      schema: 's',
      workspace: 'w',
    });
    opened.push(closed);
    const refused = await closed.lock('plan').catch((e: unknown) => e);
    expect(shown(refused)).toMatch(/Cannot connect .*127\.0\.0\.1:1\/db.*ECONNREFUSED/s);
    expect(shown(refused)).not.toContain('pw-Zz9');
  });

  it('reports a connection string that could not be read only when it must connect', async () => {
    const b = new PgBackend({
      connection_string: '',
      schema: 's',
      workspace: 'w',
      connection_string_error: {
        message: 'backend connection_string: secret environment variable X is not set',
        hint: 'Export X',
      },
    });
    expect(b.describe()).toContain('"w"');
    await expect(b.read()).rejects.toThrow(/X is not set/);
    await b.close();
  });
});
