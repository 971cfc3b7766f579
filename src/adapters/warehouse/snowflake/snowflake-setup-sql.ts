/**
 * The least-privilege setup a Snowflake admin runs once per source (`backflow source setup-sql NAME`):
 * warehouse, database, role, grants, the managed schema and a key-pair service user. Names come from the
 * source's settings, resolved the Snowflake way and quoted, so the script runs as printed once the public
 * key is pasted in.
 */
import { UserError } from '../../../errors';
import type { NamePart, ReadSchema, WarehouseSettings } from '../warehouse';
import { qualified, quoteIdent, resolveIdentifier } from './snowflake-sql';

export interface SnowflakeNames {
  account?: string;
  user: string;
  role: string;
  warehouse: string;
  database: string;
  schema?: string;
}

/** Names only (setup SQL never needs a secret). Without a role, the script creates BACKFLOW_ROLE. */
export function readSnowflakeNames(settings: WarehouseSettings): SnowflakeNames {
  const get = (key: string): string | undefined =>
    typeof settings[key] === 'string' && settings[key] !== '' ? (settings[key] as string) : undefined;
  const required = (key: string): string => {
    const v = get(key);
    if (v === undefined)
      throw new UserError(`snowflake settings: "${key}" is required and must be a non-empty string`);
    return v;
  };
  return {
    account: get('account'),
    user: required('user'),
    role: get('role') ?? 'BACKFLOW_ROLE',
    warehouse: required('warehouse'),
    database: required('database'),
    schema: get('schema'),
  };
}

/** A name written in a model's SQL (or a dbt relation), resolved the Snowflake way. */
function resolved(p: NamePart): string {
  return p.quoted ? p.text : resolveIdentifier(p.text);
}

/**
 * `[database, schema]` pairs to grant read on: the settings' schema and every schema the models name;
 * undefined when some relation is unqualified and no default schema is set (then the whole database).
 */
function readTargets(
  names: SnowflakeNames,
  dbName: string,
  reads: readonly ReadSchema[],
): [string, string][] | undefined {
  const out = new Map<string, [string, string]>();
  const add = (db: string, schema: string) => out.set(JSON.stringify([db, schema]), [db, schema]);
  if (names.schema) add(dbName, resolveIdentifier(names.schema));
  for (const r of reads) {
    if (r.schema === undefined) {
      if (!names.schema) return undefined;
      continue;
    }
    add(r.database ? resolved(r.database) : dbName, resolved(r.schema));
  }
  return out.size > 0 ? [...out.values()] : undefined;
}

export function snowflakeSetupSql(
  names: SnowflakeNames,
  managedSchema: string,
  reads: readonly ReadSchema[] = [],
): string {
  const user = quoteIdent(resolveIdentifier(names.user));
  const role = quoteIdent(resolveIdentifier(names.role));
  const warehouse = quoteIdent(resolveIdentifier(names.warehouse));
  const dbName = resolveIdentifier(names.database);
  const database = quoteIdent(dbName);
  const managed = qualified(dbName, resolveIdentifier(managedSchema));
  const targets = readTargets(names, dbName, reads);
  const lines = [
    `-- Backflow least-privilege setup for Snowflake${names.account ? ` account ${names.account}` : ''}.`,
    '-- Run as ACCOUNTADMIN (or a role with CREATE WAREHOUSE, CREATE DATABASE, CREATE ROLE, CREATE USER and MANAGE GRANTS).',
    'USE ROLE ACCOUNTADMIN;',
    '',
    "-- 1. A warehouse for Backflow's queries: extra-small, suspended after 60 s idle, resumed on demand.",
    `CREATE WAREHOUSE IF NOT EXISTS ${warehouse}`,
    "  WITH WAREHOUSE_SIZE = 'XSMALL' AUTO_SUSPEND = 60 AUTO_RESUME = TRUE INITIALLY_SUSPENDED = TRUE;",
    '',
    '-- 2. The database your dbt models live in (nothing happens if it exists).',
    `CREATE DATABASE IF NOT EXISTS ${database};`,
    '',
    '-- 3. The role Backflow works as.',
    `CREATE ROLE IF NOT EXISTS ${role};`,
    `GRANT USAGE ON WAREHOUSE ${warehouse} TO ROLE ${role};`,
    `GRANT USAGE ON DATABASE ${database} TO ROLE ${role};`,
    '',
    '-- 4. Read what the models read (the schemas their SQL and dbt relations name, and the default schema).',
  ];
  if (targets) {
    for (const db of new Set(targets.map(([d]) => d)))
      if (db !== dbName) lines.push(`GRANT USAGE ON DATABASE ${quoteIdent(db)} TO ROLE ${role};`);
    for (const [db, schema] of targets) {
      const read = qualified(db, schema);
      lines.push(
        `GRANT USAGE ON SCHEMA ${read} TO ROLE ${role};`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA ${read} TO ROLE ${role};`,
        `GRANT SELECT ON ALL VIEWS IN SCHEMA ${read} TO ROLE ${role};`,
        `GRANT SELECT ON FUTURE TABLES IN SCHEMA ${read} TO ROLE ${role};`,
        `GRANT SELECT ON FUTURE VIEWS IN SCHEMA ${read} TO ROLE ${role};`,
      );
    }
  } else {
    lines.push(
      `GRANT USAGE ON ALL SCHEMAS IN DATABASE ${database} TO ROLE ${role};`,
      `GRANT USAGE ON FUTURE SCHEMAS IN DATABASE ${database} TO ROLE ${role};`,
      `GRANT SELECT ON ALL TABLES IN DATABASE ${database} TO ROLE ${role};`,
      `GRANT SELECT ON ALL VIEWS IN DATABASE ${database} TO ROLE ${role};`,
      `GRANT SELECT ON FUTURE TABLES IN DATABASE ${database} TO ROLE ${role};`,
      `GRANT SELECT ON FUTURE VIEWS IN DATABASE ${database} TO ROLE ${role};`,
    );
  }
  lines.push(
    '',
    '-- 5. The schema Backflow owns for change tracking (one snapshot table per model).',
    `CREATE SCHEMA IF NOT EXISTS ${managed};`,
    `GRANT USAGE, CREATE TABLE ON SCHEMA ${managed} TO ROLE ${role};`,
    `-- (Or let Backflow create it: GRANT CREATE SCHEMA ON DATABASE ${database} TO ROLE ${role};)`,
    '',
    '-- 6. A service user that signs in with a key pair (no password). Create the key pair with:',
    '--      openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt',
    '--      openssl rsa -in rsa_key.p8 -pubout -out rsa_key.pub',
    '--    and paste rsa_key.pub without its BEGIN/END lines below. rsa_key.p8 is the "private_key" secret.',
    `CREATE USER IF NOT EXISTS ${user}`,
    '  TYPE = SERVICE',
    `  DEFAULT_ROLE = ${role}`,
    `  DEFAULT_WAREHOUSE = ${warehouse}`,
    "  RSA_PUBLIC_KEY = '<paste the public key: MIIBIjANBgkqh...>';",
    `GRANT ROLE ${role} TO USER ${user};`,
    '',
  );
  return lines.join('\n');
}
