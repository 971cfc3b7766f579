/**
 * Storage for the shared backend suite on the harness's Postgres: one schema per fixture in this file's
 * test database, so every test starts with no tables at all and creates them as a first run would.
 */
import { Client } from 'pg';
import { PgBackend } from '../../../src/state/pg-backend';
import { ensureTables, pgTables, quoteIdent } from '../../../src/state/pg-schema';
import type { BackendFixture } from '../../unit/state/backend-suite';
import { uniqueName, type TestDatabase } from '../../helpers/pg';

export interface PgFixture extends BackendFixture {
  schema: string;
  workspace: string;
  /** A superuser session on the test database, for looking under the backend. */
  admin: Client;
}

export async function pgFixture(db: TestDatabase, workspace = 'prod'): Promise<PgFixture> {
  const schema = uniqueName('state');
  const t = pgTables(schema);
  const admin = new Client({ connectionString: db.url });
  admin.on('error', () => undefined);
  await admin.connect();
  const tables = async (): Promise<void> => ensureTables(admin, t);

  return {
    schema,
    workspace,
    admin,
    open: (options) =>
      new PgBackend({ connection_string: db.url, schema, workspace }, { lockRetryMs: 20, ...options }),
    async writeRawState(text) {
      await tables();
      let parsed: { serial?: unknown; lineage?: unknown } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // Not JSON: the row keeps the current serial and lineage, its body is the damaged text.
      }
      const latest = (
        await admin.query(
          `select serial, lineage from ${t.states} where workspace = $1 order by serial desc limit 1`,
          [workspace],
        )
      ).rows[0] as { serial: string; lineage: string } | undefined;
      const serial = Number.isSafeInteger(parsed.serial)
        ? Number(parsed.serial)
        : Number(latest?.serial ?? 1);
      const lineage = typeof parsed.lineage === 'string' ? parsed.lineage : (latest?.lineage ?? 'unknown');
      if (latest !== undefined)
        await admin.query(`delete from ${t.states} where workspace = $1 and serial = $2`, [
          workspace,
          latest.serial,
        ]);
      await admin.query(
        `insert into ${t.states} (workspace, serial, lineage, body, backflow_version) values ($1, $2, $3, $4, 'raw')`,
        [workspace, serial, lineage, text],
      );
    },
    async readRawBackup() {
      await tables();
      const r = await admin.query(
        `select body from ${t.states} where workspace = $1 order by serial desc offset 1 limit 1`,
        [workspace],
      );
      return r.rows[0]?.body ?? null;
    },
    /**
     * What a crash in the middle of an append leaves in Postgres: an INSERT whose transaction never commits.
     * The session dies with it uncommitted, and nothing of it remains.
     */
    async appendRawJournal(text) {
      await tables();
      const dying = new Client({ connectionString: db.url });
      dying.on('error', () => undefined);
      await dying.connect();
      await dying.query('begin');
      await dying.query(
        `insert into ${t.journal} (workspace, seq, lineage, serial, entry)
         select $1, coalesce(max(seq), 0) + 1, '', 0, $2 from ${t.journal} where workspace = $1`,
        [workspace, text],
      );
      await dying.end();
    },
    async dispose() {
      await admin.query(`drop schema if exists ${quoteIdent(schema)} cascade`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}
