/**
 * Every warehouse is registered, and none loads its vendor SDK before `connect`: a workspace that plans
 * Postgres never loads snowflake-sdk (and its import-time probes), @google-cloud/bigquery or @databricks/sql.
 * Checked in a fresh node process on the compiled code (npm test builds first).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { supportedWarehouses, getDialect } from '../../../src/adapters/warehouse/registry';

const ROOT = join(__dirname, '..', '..', '..');

test('every warehouse of the schema has a dialect', () => {
  expect(supportedWarehouses().sort()).toEqual([
    'bigquery',
    'databricks',
    'postgres',
    'redshift',
    'snowflake',
  ]);
  expect(() => getDialect('oracle')).toThrow(
    expect.objectContaining({
      hint: 'Supported warehouses: postgres, redshift, snowflake, bigquery, databricks.',
    }),
  );
});

test('importing the registry and writing setup SQL loads no vendor SDK', () => {
  const registry = join(ROOT, 'dist', 'adapters', 'warehouse', 'registry.js');
  if (!existsSync(registry)) throw new Error('dist/ is missing: run npm run build');
  const script = `
    const r = require(${JSON.stringify(registry)});
    for (const w of r.supportedWarehouses()) r.getDialect(w);
    r.getDialect('snowflake').setupSql({ user: 'u', warehouse: 'w', database: 'd' }, 's');
    r.getDialect('bigquery').setupSql({ project_id: 'acme-analytics' }, 's');
    r.getDialect('databricks').setupSql({ host: 'h' }, 's');
    const loaded = Object.keys(require.cache).filter((k) => /node_modules\\/(snowflake-sdk|@google-cloud|google-auth-library|@databricks|thrift|pg)\\//.test(k));
    process.stdout.write(JSON.stringify(loaded));`;
  const out = execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(JSON.parse(out)).toEqual([]);
});
