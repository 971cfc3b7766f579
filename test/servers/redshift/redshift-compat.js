'use strict';
/**
 * Redshift on a real Postgres: the SQL that turns a database into one the Redshift adapter can talk to —
 * a compatibility schema first on search_path (version() answering as Redshift does, getdate(), svv_tables
 * and svv_columns over information_schema) and string literals read as Redshift reads them
 * (standard_conforming_strings off: a backslash escapes). Plain CommonJS: tests and benchmarks share it.
 */
const REDSHIFT_VERSION =
  'PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.77467';

const quoteIdent = (name) => `"${String(name).replace(/"/g, '""')}"`;

/** Statements to run as a superuser in the database `database`. */
function compatSql(database) {
  return `
    create schema redshift_compat;
    create function redshift_compat.version() returns text language sql stable as $$ select '${REDSHIFT_VERSION}'::text $$;
    create function redshift_compat.getdate() returns timestamp language sql stable as $$ select now()::timestamp $$;
    create view redshift_compat.svv_tables as
      select table_catalog, table_schema, table_name, table_type from information_schema.tables;
    create view redshift_compat.svv_columns as
      select table_catalog, table_schema, table_name, column_name, ordinal_position, column_default, is_nullable,
             data_type, character_maximum_length, numeric_precision, numeric_scale
        from information_schema.columns;
    create function redshift_compat.reject(code text, message text, hint text, variadic args text[] default '{}')
      returns void language plpgsql as $$ begin raise exception using errcode = code, message = message, hint = hint; end $$;
    grant usage on schema redshift_compat to public;
    grant select on redshift_compat.svv_tables, redshift_compat.svv_columns to public;
    alter database ${quoteIdent(database)} set search_path = redshift_compat, pg_catalog, "$user", public;
    alter database ${quoteIdent(database)} set standard_conforming_strings = off;
    alter database ${quoteIdent(database)} set escape_string_warning = off;`;
}

module.exports = { REDSHIFT_VERSION, compatSql };
