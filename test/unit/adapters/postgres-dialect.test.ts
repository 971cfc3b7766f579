import { UserError } from '../../../src/errors';
import { getDialect, supportedWarehouses } from '../../../src/adapters/warehouse/registry';
import { missingGrants } from '../../../src/adapters/warehouse/postgres/postgres-grants';

test('registry knows postgres and refuses unknown warehouses clearly', () => {
  expect(getDialect('postgres').warehouse).toBe('postgres');
  expect(supportedWarehouses()).toContain('postgres');
  expect(() => getDialect('oracle')).toThrow(UserError);
  expect(() => getDialect('oracle')).toThrow(/unknown or unsupported warehouse "oracle"/);
  expect(() => getDialect('toString')).toThrow(UserError);
});

test('importing the dialect and printing setup SQL never loads the pg driver', () => {
  let loaded = false;
  jest.isolateModules(() => {
    jest.doMock('pg', () => {
      loaded = true;
      return {};
    });
    const { getDialect: isolated } =
      require('../../../src/adapters/warehouse/registry') as typeof import('../../../src/adapters/warehouse/registry');
    isolated('postgres').setupSql({ host: 'h', database: 'd', user: 'u' }, 'm');
  });
  expect(loaded).toBe(false);
});

test('setup SQL defaults to the public schema and never contains a password', () => {
  const sql = getDialect('postgres').setupSql(
    { host: 'h', database: 'shop', user: 'backflow', password: 'hunter2' },
    '__segment_reverse_etl',
  );
  expect(sql).toContain('GRANT USAGE ON SCHEMA "public" TO "backflow";');
  expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "__segment_reverse_etl" AUTHORIZATION "backflow";');
  expect(sql).not.toContain('hunter2');
});

test('missing grants are exact statements, only for what is missing', () => {
  const all = {
    role: 'bf',
    database: 'db',
    can_connect: true,
    can_temp: true,
    can_create_schema: true,
    schema_exists: true,
    schema_usage: true,
    schema_create: true,
  };
  expect(missingGrants(all, 's')).toEqual({ schema_exists: true, missing_grants: [] });
  expect(missingGrants({ ...all, can_connect: false, schema_create: false }, 's').missing_grants).toEqual([
    'GRANT CONNECT ON DATABASE "db" TO "bf";',
    'GRANT CREATE ON SCHEMA "s" TO "bf";',
  ]);
  // A missing schema the role may create itself needs nothing.
  expect(
    missingGrants({ ...all, schema_exists: false, schema_usage: null, schema_create: null }, 's')
      .missing_grants,
  ).toEqual([]);
});
