import { UserError } from '../../../src/errors';
import { connectionError, queryError } from '../../../src/adapters/warehouse/postgres/postgres-errors';
import { readPostgresSettings } from '../../../src/adapters/warehouse/postgres/postgres-settings';

const settings = readPostgresSettings({
  host: 'db.local',
  port: 6543,
  database: 'shop',
  user: 'bf',
  password: 'pa55-word',
});

test.each<[{ code?: string; message?: string }, string]>([
  [
    { code: 'ECONNREFUSED' },
    'cannot reach Postgres at db.local:6543 (connection refused): check host, port, firewall',
  ],
  [{ code: 'ENOTFOUND' }, 'cannot reach Postgres at db.local:6543 (host name not found): check host'],
  [
    { message: 'timeout expired' },
    'cannot reach Postgres at db.local:6543 (timed out after 10 s): check host, port, firewall',
  ],
  [
    { code: '28P01', message: 'password authentication failed for user "bf"' },
    'password authentication failed for user "bf" on Postgres at db.local:6543',
  ],
  [{ code: '3D000' }, 'database "shop" does not exist on Postgres at db.local:6543'],
  [
    {
      code: '28000',
      message: 'no pg_hba.conf entry for host "10.0.0.1", user "bf", database "shop", no encryption',
    },
    'Postgres at db.local:6543 rejected user "bf" for database "shop": no pg_hba.conf entry for host "10.0.0.1", user "bf", database "shop", no encryption',
  ],
])('%j', (err, message) => {
  const mapped = connectionError(Object.assign(new Error(err.message ?? 'x'), err), settings);
  expect(mapped).toBeInstanceOf(UserError);
  expect(mapped.message).toBe(message);
});

test('no pg_hba entry suggests pg_hba.conf and SSL', () => {
  const mapped = connectionError({ code: '28000', message: 'no pg_hba.conf entry' }, settings) as UserError;
  expect(mapped.hint).toMatch(/pg_hba\.conf.*sslmode/);
});

test('the password never leaves in a message or hint, even if a server echoes it', () => {
  const echo = { code: 'XX000', message: 'weird failure near pa55-word' };
  for (const err of [connectionError(echo, settings), queryError(echo, settings, 'doing pa55-word things')]) {
    expect(err.message).not.toContain('pa55-word');
    expect((err as UserError).hint ?? '').not.toContain('pa55-word');
    expect(err.message).toContain('***');
  }
});

test('a statement timeout suggests raising statement_timeout_ms', () => {
  const mapped = queryError(
    { code: '57014', message: 'canceling statement due to statement timeout' },
    settings,
    'previewing',
  ) as UserError;
  expect(mapped.message).toMatch(/^previewing was cancelled/);
  expect(mapped.hint).toMatch(/statement_timeout_ms/);
});

test('bugs (errors without a SQLSTATE) stay bugs', () => {
  const bug = new TypeError('x is undefined');
  expect(queryError(bug, settings, 'doing')).toBe(bug);
});

test('a login failure surfacing on any call reads as a login failure', () => {
  const mapped = queryError(
    { code: '28P01', message: 'password authentication failed' },
    settings,
    'checking grants',
  );
  expect(mapped.message).toBe('password authentication failed for user "bf" on Postgres at db.local:6543');
});
