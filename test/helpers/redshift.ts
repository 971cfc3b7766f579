/**
 * Redshift on the harness's real Postgres: a test database made to answer as Redshift does (see
 * test/servers/redshift/redshift-compat.js). The Redshift adapter's SQL runs unchanged against it.
 */
import { compatSql } from '../servers/redshift/redshift-compat';
import { createTestDatabase, type TestDatabase } from './pg';

export { REDSHIFT_VERSION } from '../servers/redshift/redshift-compat';

export async function createRedshiftDatabase(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  await db.query(compatSql(db.name));
  return db;
}
