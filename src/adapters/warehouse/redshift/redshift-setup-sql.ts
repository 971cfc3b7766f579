/**
 * The least-privilege setup for a Redshift source (`backflow source setup-sql NAME`): a user, read access to
 * the schemas the models read, and the schema Backflow owns, with the names filled in and quoted.
 */
import type { ReadSchema } from '../warehouse';
import type { PostgresSettings } from '../postgres/postgres-settings';
import { readSchemas } from '../postgres/postgres-setup-sql';
import { quoteIdent } from './redshift-sql';

export function redshiftSetupSql(
  settings: Pick<PostgresSettings, 'user' | 'database' | 'schema' | 'read_schemas' | 'host' | 'port'>,
  managedSchema: string,
  reads: readonly ReadSchema[] = [],
): string {
  const user = quoteIdent(settings.user);
  const lines = [
    `-- Backflow least-privilege setup for Amazon Redshift database ${quoteIdent(settings.database)} at ${settings.host}:${settings.port}.`,
    '-- Run as a superuser (or the owner of the schemas below).',
    '',
    '-- 1. The user Backflow signs in as (keep the password in your secret store):',
    `CREATE USER ${user} PASSWORD 'Replace-with-a-strong-password1';`,
    '',
    '-- 2. Read the schemas your models read (their SQL and dbt relations, the default schema, read_schemas).',
    '--    ALTER DEFAULT PRIVILEGES covers tables created later by the',
    '--    user running this script; add FOR USER <your dbt user> if dbt builds them as another user.',
  ];
  for (const schema of readSchemas(settings, reads)) {
    const s = quoteIdent(schema);
    lines.push(
      `GRANT USAGE ON SCHEMA ${s} TO ${user};`,
      `GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${user};`,
      `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT SELECT ON TABLES TO ${user};`,
    );
  }
  lines.push(
    '',
    '-- 3. The schema Backflow owns for change tracking (one snapshot table per model).',
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(managedSchema)} AUTHORIZATION ${user};`,
    '',
    '-- 4. Network: the cluster must be reachable from where Backflow runs (publicly accessible, or through',
    `--    your VPC), and its security group must allow inbound TCP ${settings.port} from that address.`,
    '',
  );
  return lines.join('\n');
}
