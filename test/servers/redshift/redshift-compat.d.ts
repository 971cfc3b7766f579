export const REDSHIFT_VERSION: string;
/** Statements to run as a superuser in `database` to make it answer as Redshift does. */
export function compatSql(database: string): string;
