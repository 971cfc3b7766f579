/**
 * Snowflake sign-in and session failures, each a UserError that says what to check and never shows a
 * secret: the real snowflake-sdk against the protocol-level Snowflake server.
 */
import net from 'node:net';
import { getDialect } from '../../../src/adapters/warehouse/registry';
import type { WarehouseAdapter, WarehouseSettings } from '../../../src/adapters/warehouse/warehouse';
import { UserError } from '../../../src/errors';
import { freePort } from '../../helpers/postgres-server';
import { rsaKeyPair, startSnowflakeWorld, type SnowflakeWorld } from '../../helpers/snowflake';

let world: SnowflakeWorld;
const opened: WarehouseAdapter[] = [];
const PASSWORD = 'Sf-password-secret-1618';
const PASSPHRASE = 'Key-passphrase-secret-1414';
const encrypted = rsaKeyPair(PASSPHRASE);

async function connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
  const adapter = await getDialect('snowflake').connect(settings);
  opened.push(adapter);
  return adapter;
}

async function userErrorOf(promise: Promise<unknown>, secrets: string[] = []): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  const e = err as UserError;
  const keyLines = [world.key.privateKey, encrypted.privateKey].flatMap((k) => k.split('\n').slice(1, -2));
  for (const text of [e.message, e.hint ?? '', String(e.stack)]) {
    for (const s of [...secrets, PASSWORD, PASSPHRASE, ...keyLines]) expect(text).not.toContain(s);
  }
  return e;
}

beforeAll(async () => {
  world = await startSnowflakeWorld();
  const { server } = world;
  server.addUser({ name: 'pw_user', password: PASSWORD, roles: ['BACKFLOW_ROLE'] });
  server.addUser({ name: 'enc_user', publicKey: encrypted.publicKey, roles: ['BACKFLOW_ROLE'] });
  server.addRole('NO_WH_ROLE');
  server.grant('NO_WH_ROLE', 'USAGE', 'DATABASE', 'ANALYTICS');
  server.addUser({ name: 'no_wh', publicKey: world.key.publicKey, roles: ['NO_WH_ROLE'] });
});

afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
  await world.server.stop();
});

test('the SDK loads with platform detection off: sign-in reports no cloud platform', async () => {
  const adapter = await connect(world.settings);
  await adapter.testConnection();
  expect(process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION).toBe('true');
  const login = world.server.log.logins.at(-1)!;
  expect(login.authenticator).toBe('SNOWFLAKE_JWT');
  expect(login.body.data.CLIENT_ENVIRONMENT.PLATFORM).toEqual(['disabled']);
});

test('an encrypted private key signs in with its passphrase', async () => {
  const adapter = await connect({
    ...world.settings,
    user: 'enc_user',
    private_key: encrypted.privateKey,
    private_key_passphrase: PASSPHRASE,
  });
  expect((await adapter.testConnection()).current_user).toBe('ENC_USER');
});

test('key problems are caught before sign-in, without echoing the key', async () => {
  const base = { ...world.settings, user: 'enc_user', private_key: encrypted.privateKey };
  let err = await userErrorOf(connect(base));
  expect(err.message).toMatch(/"private_key" is encrypted, but no "private_key_passphrase" is set/);
  err = await userErrorOf(connect({ ...base, private_key_passphrase: 'not-the-Passphrase-99' }), [
    'not-the-Passphrase-99',
  ]);
  expect(err.message).toMatch(/could not be decrypted/);
  err = await userErrorOf(connect({ ...world.settings, private_key: 'just some text that is not a key' }));
  expect(err.message).toMatch(/is not a PEM private key/);
});

test('deprecated password sign-in still works; a wrong password is a clear error', async () => {
  const { private_key: _k, ...rest } = world.settings;
  const ok = await connect({ ...rest, user: 'pw_user', password: PASSWORD });
  expect((await ok.testConnection()).current_user).toBe('PW_USER');
  const bad = await connect({ ...rest, user: 'pw_user', password: 'Wrong-password-2236' });
  const err = await userErrorOf(bad.testConnection(), ['Wrong-password-2236']);
  expect(err.message).toBe(
    'Snowflake rejected the sign-in of user "pw_user": incorrect username or password',
  );
  expect(err.hint).toMatch(/key-pair/);
});

test('an unknown account is refused by Snowflake: check the account identifier', async () => {
  const adapter = await connect({ ...world.settings, account: 'myorg-nosuch' });
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toMatch(/refused the request \(HTTP 403\)/);
  expect(err.hint).toMatch(/"account" \("myorg-nosuch"/);
});

test('a network policy refusal names the IP and what to change', async () => {
  world.server.setNetworkPolicy('127.0.0.1');
  try {
    const adapter = await connect(world.settings);
    const err = await userErrorOf(adapter.testConnection());
    expect(err.message).toBe(
      `Snowflake's network policy refused this client (IP 127.0.0.1) for user "backflow" on account "myorg-backflow"`,
    );
    expect(err.hint).toMatch(/allow 127\.0\.0\.1 .* network policy .*access_url/s);
  } finally {
    world.server.setNetworkPolicy(null);
  }
});

test('a role not granted to the user gives the GRANT ROLE to run', async () => {
  const adapter = await connect({ ...world.settings, role: 'nobody_role' });
  const err = await userErrorOf(adapter.testConnection());
  expect(err.message).toMatch(/refused role "nobody_role" for user "backflow"/);
  expect(err.hint).toBe('Ask an admin to run: GRANT ROLE "NOBODY_ROLE" TO USER "BACKFLOW";');
});

test('an unknown or unusable warehouse or database is named, with the GRANT', async () => {
  let adapter = await connect({ ...world.settings, warehouse: 'no_such_wh' });
  let err = await userErrorOf(adapter.testConnection());
  expect(err.message).toBe(
    'Snowflake warehouse "no_such_wh" does not exist, or role "BACKFLOW_ROLE" may not use it',
  );
  expect(err.hint).toMatch(/GRANT USAGE ON WAREHOUSE "NO_SUCH_WH" TO ROLE "BACKFLOW_ROLE";/);

  adapter = await connect({ ...world.settings, user: 'no_wh', role: 'no_wh_role' });
  err = await userErrorOf(adapter.testConnection());
  expect(err.message).toMatch(/warehouse "backflow_wh" does not exist, or role "NO_WH_ROLE" may not use it/);
  // Queries without a warehouse fail the Snowflake way, mapped to the same advice.
  err = await userErrorOf(adapter.preview('select * from marts.users', 1));
  expect(err.message).toMatch(/no usable warehouse/);

  adapter = await connect({ ...world.settings, database: 'no_such_db' });
  err = await userErrorOf(adapter.testConnection());
  expect(err.message).toMatch(/database "no_such_db" does not exist, or role "BACKFLOW_ROLE" may not use it/);
});

test('a refused port and a silent server are reported with host and timeout', async () => {
  const port = await freePort();
  let adapter = await connect({
    ...world.settings,
    access_url: `http://127.0.0.1:${port}`,
    connect_timeout_ms: 5000,
  });
  let err = await userErrorOf(adapter.testConnection());
  expect(err.message).toBe(`cannot reach Snowflake at 127.0.0.1:${port} (connection refused)`);

  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const silentPort = (silent.address() as net.AddressInfo).port;
  try {
    adapter = await connect({
      ...world.settings,
      access_url: `http://127.0.0.1:${silentPort}`,
      connect_timeout_ms: 400,
    });
    const started = Date.now();
    err = await userErrorOf(adapter.testConnection());
    expect(err.message).toMatch(
      new RegExp(`cannot reach Snowflake at 127\\.0\\.0\\.1:${silentPort} \\(timed out after 400 ms\\)`),
    );
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    sockets.forEach((s) => s.destroy());
    await new Promise((r) => silent.close(r));
  }
});

test('a statement past statement_timeout_ms is cancelled with a clear message', async () => {
  const adapter = await connect({ ...world.settings, statement_timeout_ms: 1000 });
  const err = await userErrorOf(adapter.preview('select count(*) as n from range(100000000000) a', 1));
  expect(err.message).toMatch(/^previewing the query was cancelled by Snowflake after 1 s/);
  expect(err.hint).toMatch(/statement_timeout_ms/);
});

test('grants inherited through a granted role count', async () => {
  const { server } = world;
  server.addRole('PARENT_ROLE');
  server.grant('PARENT_ROLE', 'USAGE', 'WAREHOUSE', 'BACKFLOW_WH');
  server.grant('PARENT_ROLE', 'USAGE', 'DATABASE', 'ANALYTICS');
  server.grant('PARENT_ROLE', 'CREATE SCHEMA', 'DATABASE', 'ANALYTICS');
  server.addRole('CHILD_ROLE');
  server.grantRole('PARENT_ROLE', 'CHILD_ROLE');
  const key = rsaKeyPair();
  server.addUser({ name: 'child', publicKey: key.publicKey, roles: ['CHILD_ROLE'] });
  const adapter = await connect({
    ...world.settings,
    user: 'child',
    role: 'child_role',
    private_key: key.privateKey,
  });
  await adapter.testConnection();
  const before = adapter.roundTrips;
  expect(await adapter.checkGrants('__segment_reverse_etl')).toEqual({
    schema_exists: false,
    missing_grants: [],
  });
  expect(adapter.roundTrips - before).toBe(2); // its own grants, then the parent's
});

test('settings are checked before connecting', async () => {
  const dialect = getDialect('snowflake');
  await expect(
    dialect.connect({ ...world.settings, account: 'https://x.snowflakecomputing.com' }),
  ).rejects.toThrow(/not a URL/);
  const { private_key: _k, ...noKey } = world.settings;
  await expect(dialect.connect(noKey)).rejects.toThrow(/"private_key" is required/);
  await expect(dialect.connect({ ...world.settings, warehouse: undefined })).rejects.toThrow(
    /"warehouse" is required/,
  );
});
