import net from 'node:net';
import { UserError } from '../../../src/errors';
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter, WarehouseSettings } from '../../../src/adapters/warehouse/warehouse';
import { freePort } from '../../helpers/postgres-server';
import { createTestDatabase, type TestDatabase, type TestRole } from '../../helpers/pg';

let db: TestDatabase;
let role: TestRole;
const opened: WarehouseAdapter[] = [];

async function connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
  const adapter = await getDialect('postgres').connect(settings);
  opened.push(adapter);
  return adapter;
}

/** The rejection of `promise`, asserted to be a UserError. */
async function userErrorOf(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

beforeAll(async () => {
  db = await createTestDatabase('connection');
  role = await db.createRole({ password: 'S3cret-"quoted"-pw' });
});

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
  await db.drop();
});

test('reports server version, user and database', async () => {
  const adapter = await connect(role.settings);
  const info = await adapter.testConnection();
  expect(info.server_version).toMatch(/^PostgreSQL \d+/);
  expect(info.current_user).toBe(role.name);
  expect(info.database).toBe(db.name);
  expect(adapter.roundTrips).toBe(1);
});

test('a wrong password is a clear UserError that never shows the password', async () => {
  const wrong = 'not-the-Right-pw-123';
  const adapter = await connect({ ...role.settings, password: wrong });
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toContain(`password authentication failed for user "${role.name}"`);
  expect(err.hint).toMatch(/password/);
  for (const text of [err.message, err.hint ?? '', String(err.stack)]) {
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(role.password);
  }
});

test('no password for a role that needs one is explained', async () => {
  const { password: _omit, ...settings } = role.settings;
  const adapter = await connect(settings);
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toMatch(/password/);
});

test('an unreachable port says connection refused with host and port', async () => {
  const port = await freePort(); // free now, so nothing listens there
  const adapter = await connect({ ...role.settings, port });
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toBe(
    `cannot reach Postgres at 127.0.0.1:${port} (connection refused): check host, port, firewall`,
  );
});

test('an unknown database is named', async () => {
  const adapter = await connect({ ...role.settings, database: 'no_such_db_here' });
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toContain('database "no_such_db_here" does not exist');
  expect(err.message).not.toContain(role.password);
});

test('a connection that failed can be retried by the same adapter', async () => {
  const adapter = await connect({ ...role.settings, database: 'no_such_db_here' });
  await expect(adapter.testConnection()).rejects.toThrow(UserError);
  await expect(adapter.testConnection()).rejects.toThrow(/does not exist/);
});

test('settings are checked before connecting', async () => {
  await expect(getDialect('postgres').connect({ host: '127.0.0.1', database: 'x' })).rejects.toThrow(
    /"user" is required/,
  );
  await expect(getDialect('postgres').connect({ ...role.settings, sslmode: 'sometimes' })).rejects.toThrow(
    /sslmode/,
  );
});

test('sslmode=require against a server without SSL says so', async () => {
  const adapter = await connect({ ...role.settings, sslmode: 'require' });
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toMatch(/does not accept SSL/);
});

test('a server that never answers times out with a clear message', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as net.AddressInfo;
  try {
    const adapter = await connect({ ...role.settings, port, connect_timeout_ms: 300 });
    const started = Date.now();
    const err = await userErrorOf(adapter.testConnection());
    expect(err.message).toBe(
      `cannot reach Postgres at 127.0.0.1:${port} (timed out after 300 ms): check host, port, firewall`,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((resolve) => silent.close(resolve));
  }
});
