/**
 * The pg state backend's tables, created on first use in the configured schema:
 *
 *   states   every version of every workspace's state, one row per write (the newest serial is current);
 *            `body` is the state file's text, byte for byte as the local backend writes it: text rather than
 *            jsonb, so a damaged row can be shown as it is, and a state reads back exactly as written.
 *   journal  the actions of the apply in progress, one small row per action: seq 0 is the header naming the
 *            state it applies to, seq 1.. the entries (the same lines as the local `.journal` file).
 *   locks    who holds each workspace's advisory lock: the row a second locker reads to name the holder.
 *
 * Creation is idempotent and safe when many runners start at once: it happens under a transaction-level
 * advisory lock, and is skipped entirely (no CREATE privilege needed) when the tables already exist.
 */
import type { Client } from 'pg';
import { createHash } from 'node:crypto';

export interface PgTables {
  schema: string;
  /** Quoted, schema-qualified names for SQL. */
  states: string;
  journal: string;
  locks: string;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function pgTables(schema: string): PgTables {
  const q = quoteIdent(schema);
  return { schema, states: `${q}.states`, journal: `${q}.journal`, locks: `${q}.locks` };
}

export function createTablesSql(t: PgTables): string[] {
  return [
    `create schema if not exists ${quoteIdent(t.schema)}`,
    `create table if not exists ${t.states} (
      workspace text not null,
      serial bigint not null check (serial >= 0),
      lineage text not null,
      body text not null,
      backflow_version text not null,
      resource_count integer,
      created_at timestamptz not null default now(),
      primary key (workspace, serial)
    )`,
    `create table if not exists ${t.journal} (
      workspace text not null,
      seq bigint not null check (seq >= 0),
      lineage text not null,
      serial bigint not null,
      entry text not null,
      created_at timestamptz not null default now(),
      primary key (workspace, seq)
    )`,
    `create table if not exists ${t.locks} (
      workspace text primary key,
      id text not null,
      who text not null,
      operation text not null,
      created timestamptz not null,
      ci_url text,
      version text,
      pid integer not null
    )`,
  ];
}

/** A 64-bit advisory lock key (as a decimal string for `$1::bigint`) derived from `text`. */
export function advisoryKey(text: string): bigint {
  return createHash('sha256').update(text, 'utf8').digest().readBigInt64BE(0);
}

/** How `pg_locks` shows a bigint advisory key: high and low 32 bits as oids, objsubid 1. */
export function advisoryLockParts(key: bigint): { classid: string; objid: string } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: String(unsigned >> 32n), objid: String(unsigned & 0xffffffffn) };
}

async function tablesExist(client: Client, t: PgTables): Promise<boolean> {
  const r = await client.query<{ n: string }>(
    `select count(*) as n from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname in ('states', 'journal', 'locks') and c.relkind in ('r', 'p')`,
    [t.schema],
  );
  return Number(r.rows[0].n) === 3;
}

/** Creates what is missing; a no-op (one catalog query) when everything exists. */
export async function ensureTables(client: Client, t: PgTables): Promise<void> {
  if (await tablesExist(client, t)) return;
  await client.query('begin');
  try {
    // Concurrent creators queue here; the later ones find the tables made and create nothing.
    await client.query('select pg_advisory_xact_lock($1::bigint)', [
      String(advisoryKey(`backflow:setup:${t.schema}`)),
    ]);
    if (!(await tablesExist(client, t))) {
      const schemaExists = await client.query('select 1 from pg_catalog.pg_namespace where nspname = $1', [
        t.schema,
      ]);
      const statements = createTablesSql(t);
      for (const sql of schemaExists.rowCount === 0 ? statements : statements.slice(1))
        await client.query(sql);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}
