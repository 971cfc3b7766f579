/**
 * The least-privilege setup an administrator runs once per source (`backflow source setup-sql NAME`):
 * a login role, what it may read, and the schema Backflow owns. Names come from the source's settings,
 * quoted, so the script runs as printed (after the password line is filled in).
 */
import type { NamePart, ReadSchema } from '../warehouse';
import type { PostgresSettings } from './postgres-settings';
import { quoteIdent } from './postgres-sql';

/** A name as Postgres (and Redshift) store it: unquoted names fold to lower case. */
export function foldName(p: NamePart): string {
  return p.quoted ? p.text : p.text.toLowerCase();
}

/**
 * Schemas the models read: the default schema (or `public`), any listed in `read_schemas`, and those the
 * models' relations name (in this database: Postgres reads one database per connection).
 */
export function readSchemas(
  settings: Pick<PostgresSettings, 'schema' | 'read_schemas' | 'database'>,
  reads: readonly ReadSchema[] = [],
): string[] {
  const fromModels = reads
    .filter((r) => r.schema !== undefined)
    .filter((r) => r.database === undefined || foldName(r.database) === settings.database)
    .map((r) => foldName(r.schema!));
  return [...new Set([settings.schema || 'public', ...(settings.read_schemas ?? []), ...fromModels])];
}

export function postgresSetupSql(
  settings: Pick<PostgresSettings, 'user' | 'database' | 'schema' | 'read_schemas'>,
  managedSchema: string,
  reads: readonly ReadSchema[] = [],
): string {
  const role = quoteIdent(settings.user);
  const lines = [
    `-- Backflow least-privilege setup for Postgres database ${quoteIdent(settings.database)}.`,
    '-- Run as a superuser or as the owner of the database and of the schemas below.',
    '',
    '-- 1. The role Backflow logs in as. Set its password (and keep it in your secret store):',
    `CREATE ROLE ${role} WITH LOGIN;`,
    `-- ALTER ROLE ${role} WITH PASSWORD 'replace-with-a-strong-password';`,
    '',
    '-- 2. Connect, and create temporary views (used to describe SQL models without running them).',
    `GRANT CONNECT, TEMPORARY ON DATABASE ${quoteIdent(settings.database)} TO ${role};`,
    '',
    '-- 3. Read the schemas your models read (their SQL and dbt relations, the default schema, read_schemas).',
    '--    ALTER DEFAULT PRIVILEGES covers tables created later by the',
    '--    role running this script; add FOR ROLE <your dbt role> if dbt builds them as another role.',
  ];
  for (const schema of readSchemas(settings, reads)) {
    const s = quoteIdent(schema);
    lines.push(
      `GRANT USAGE ON SCHEMA ${s} TO ${role};`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${role};`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${role};`,
    );
  }
  lines.push(
    '',
    '-- 4. The schema Backflow owns for change tracking (one snapshot table per model).',
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(managedSchema)} AUTHORIZATION ${role};`,
    '',
  );
  return lines.join('\n');
}
