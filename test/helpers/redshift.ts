/**
 * Redshift on the harness's real Postgres: a test database made to answer as Redshift does (see
 * test/servers/redshift/), reached through the Redshift proxy, which reads every statement the way Redshift
 * does (identifier folding, what Redshift refuses). The Redshift adapter's SQL runs unchanged against it;
 * `settings` and the roles' settings point at the proxy, and `query` goes through it too.
 */
import { Client, type QueryResultRow } from 'pg';
import { compatSql } from '../servers/redshift/redshift-compat';
import { startRedshiftProxy, type RedshiftProxy } from '../servers/redshift/redshift-proxy';
import { createTestDatabase, type TestDatabase, type TestRole } from './pg';

export { REDSHIFT_VERSION } from '../servers/redshift/redshift-compat';

export interface RedshiftDatabase extends TestDatabase {
  proxy: RedshiftProxy;
  /** Superuser SQL straight to Postgres (no Redshift reading), for setup the proxy would refuse. */
  postgres: TestDatabase['query'];
}

export async function createRedshiftDatabase(prefix: string): Promise<RedshiftDatabase> {
  const db = await createTestDatabase(prefix);
  await db.query(compatSql(db.name));
  const proxy = await startRedshiftProxy({ host: String(db.settings.host), port: Number(db.settings.port) });
  const viaProxy = <T extends { port: number }>(s: T): T => ({ ...s, host: proxy.host, port: proxy.port });
  const role = (r: TestRole): TestRole => ({ ...r, settings: viaProxy(r.settings) });
  let client: Client | undefined;
  async function query<R extends QueryResultRow = QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<R[]> {
    if (!client) {
      client = new Client({ ...viaProxy(db.settings) } as never);
      await client.connect();
    }
    return (await client.query<R>(sql, params)).rows;
  }
  const url = new URL(db.url);
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  return {
    ...db,
    url: url.toString(),
    settings: viaProxy(db.settings),
    proxy,
    postgres: db.query,
    query,
    createRole: async (o) => role(await db.createRole(o)),
    createLeastPrivilegedRole: async (o) => role(await db.createLeastPrivilegedRole(o)),
    drop: async () => {
      await client?.end().catch(() => undefined);
      await proxy.stop();
      await db.drop();
    },
  };
}
