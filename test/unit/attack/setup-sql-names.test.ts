/**
 * Setup SQL cannot be turned into other SQL: a line break (or any control character) in a name is refused
 * before anything is printed, for every warehouse; values reach SQL only quoted.
 */
import { getDialect } from '../../../src/adapters/warehouse/registry';
import { UserError } from '../../../src/errors';

const BASE: Record<string, Record<string, unknown>> = {
  postgres: { host: 'db.example.com', port: 5432, database: 'analytics', user: 'backflow' },
  redshift: { host: 'c.example.com', port: 5439, database: 'analytics', user: 'backflow' },
  snowflake: {
    account: 'acme-xy12345',
    user: 'backflow',
    role: 'backflow_role',
    warehouse: 'backflow_wh',
    database: 'analytics',
  },
  bigquery: { project_id: 'acme-analytics', location: 'EU' },
  databricks: { host: 'dbc-1.cloud.databricks.com', http_path: '/sql/1.0/warehouses/abc', catalog: 'main' },
};

const PAYLOADS = [
  'x\nDROP TABLE analytics.victims; --',
  'x\rDROP TABLE t; --',
  'x\u2028DROP',
  'x\u0000y',
  'x\u0085y',
];

const cases: [string, string, string][] = [];
for (const [warehouse, settings] of Object.entries(BASE)) {
  for (const key of Object.keys(settings).filter((k) => typeof settings[k] === 'string')) {
    for (const payload of PAYLOADS) cases.push([warehouse, key, payload]);
  }
}

test.each(cases)('%s: a control character in %s is refused (%j)', (warehouse, key, payload) => {
  const settings = { ...BASE[warehouse], [key]: payload };
  const run = () => getDialect(warehouse).setupSql(settings, '__segment_reverse_etl');
  expect(run).toThrow(UserError);
  expect(run).toThrow(new RegExp(`settings\\.${key} contains a control character`));
});

test.each(Object.keys(BASE))('%s: a control character in the managed schema is refused', (warehouse) => {
  expect(() => getDialect(warehouse).setupSql(BASE[warehouse], 'm\nDROP TABLE t; --')).toThrow(
    /managed_schema contains a control character/,
  );
});

test('printable hostile names stay quoted: every statement line is one of ours', () => {
  const hostile = `a"; DROP TABLE t; --`;
  const sql = getDialect('postgres').setupSql(
    { ...BASE.postgres, user: hostile, database: hostile, read_schemas: [hostile] },
    hostile,
  );
  for (const line of sql.split('\n')) {
    if (line === '' || line.startsWith('--')) continue;
    expect(line).toMatch(/^(CREATE|GRANT|ALTER) /);
    expect(line).toContain('"a""; DROP TABLE t; --"');
  }
});

test('BigQuery: the location is a quoted literal and the project must be a project ID', () => {
  const sql = getDialect('bigquery').setupSql({ ...BASE.bigquery, location: "EU'); DROP SCHEMA x; --" }, 'm');
  expect(sql).toContain(`OPTIONS (location = 'EU\\'); DROP SCHEMA x; --')`);
  expect(() => getDialect('bigquery').setupSql({ ...BASE.bigquery, project_id: 'p; rm -rf ~' }, 'm')).toThrow(
    /not a Google Cloud project ID/,
  );
});
