#!/usr/bin/env node
'use strict';
/**
 * Mutation check: applies, one at a time, small deliberate bugs to the warehouse adapters and the engine,
 * runs the tests that cover the mutated file, and reports which bugs the suite kills (some test fails) and
 * which survive (every test passes: the suite would not notice that bug). Goal: all killed.
 *
 *   node scripts/mutate.js            every mutant, its covering tests (a few minutes)
 *   node scripts/mutate.js --list     the mutants
 *   node scripts/mutate.js NAME...    only these
 *
 * Each mutant names its covering test files: a bug they catch, the whole suite (a superset) catches too.
 * Mutants of code only the CLI runs rebuild dist/ first (e2e tests run the built CLI); dist/ is rebuilt
 * from the restored source at the end. Files are restored even when interrupted. Exit code 1 if any
 * mutant survives or does not apply (its code changed: update the list).
 */
const { spawnSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const W = 'src/adapters/warehouse';

/** { name, kind, file, find, replace, tests, build? } — `find` must occur exactly once in `file`. */
const MUTANTS = [
  {
    name: 'snowflake-snapshot-unquoted-case',
    kind: "wrong case folding: the snapshot table keeps the model name's case instead of Snowflake's upper case",
    file: `${W}/snowflake/snowflake-adapter.ts`,
    find: 'return fitIdentifier(resolveIdentifier(snapshotTableName(model)));',
    replace: 'return fitIdentifier(snapshotTableName(model));',
    tests: ['test/integration/warehouse/snowflake.test.ts'],
  },
  {
    name: 'snowflake-managed-schema-case',
    kind: 'wrong case folding: the managed schema is created with the config spelling, quoted',
    file: `${W}/snowflake/snowflake-adapter.ts`,
    find: '    const name = resolveIdentifier(schema);',
    replace: '    const name = schema;',
    tests: ['test/integration/warehouse/snowflake.test.ts'],
  },
  {
    name: 'redshift-no-folding',
    kind: 'wrong case folding: Redshift names compared without folding to lower case',
    file: `${W}/redshift/redshift-sql.ts`,
    find: 'return name.toLowerCase();',
    replace: 'return name;',
    tests: ['test/integration/redshift/redshift.test.ts', 'test/integration/warehouse/redshift.test.ts'],
  },
  {
    name: 'databricks-no-folding',
    kind: 'wrong case folding: Unity Catalog schema names not lower-cased',
    file: `${W}/databricks/databricks-sql.ts`,
    find: 'export function ucName(name: string): string {\n  return name.toLowerCase();',
    replace: 'export function ucName(name: string): string {\n  return name;',
    tests: ['test/unit/adapters', 'test/integration/warehouse/databricks.test.ts'],
  },
  {
    name: 'postgres-dropped-quote-escape',
    kind: 'a dropped quote: embedded double quotes not doubled in Postgres/Redshift identifiers',
    file: `${W}/postgres/postgres-sql.ts`,
    find: 'return `"${name.replace(/"/g, \'""\')}"`;',
    replace: 'return `"${name}"`;',
    tests: ['test/integration/warehouse/postgres.test.ts', 'test/integration/warehouse/redshift.test.ts'],
  },
  {
    name: 'bigquery-dropped-backtick-escape',
    kind: 'a dropped quote: backticks in BigQuery identifiers not escaped',
    file: `${W}/bigquery/bigquery-sql.ts`,
    find: ".replace(/`/g, '\\\\`')}\\``;",
    replace: '}\\``;',
    tests: ['test/unit/adapters', 'test/integration/warehouse/bigquery.test.ts'],
  },
  {
    name: 'postgres-not-read-only',
    kind: 'a skipped read-only transaction: introspection runs in a writable transaction',
    file: `${W}/postgres/postgres-pipeline.ts`,
    find: "{ text: 'begin transaction read only' }",
    replace: "{ text: 'begin transaction' }",
    tests: ['test/integration/postgres', 'test/integration/warehouse/postgres.test.ts'],
  },
  {
    name: 'batch-bisect-off-by-one',
    kind: 'an off-by-one in batching: bisecting a failed batch skips the first query of its second half',
    file: `${W}/describe-batch.ts`,
    find: 'await bisect(queries.slice(half), describe, errorText, out);',
    replace: 'await bisect(queries.slice(half + 1), describe, errorText, out);',
    tests: ['test/unit/adapters', 'test/integration/warehouse/snowflake.test.ts'],
  },
  {
    name: 'batch-size-off-by-one',
    kind: 'an off-by-one in batching: a batch closes one item late, past the statement size cap',
    file: `${W}/describe-batch.ts`,
    find: 'if (current.length > 0 && bytes + n > maxBytes) {',
    replace: 'if (current.length > 1 && bytes + n > maxBytes) {',
    tests: ['test/unit/adapters'],
  },
  {
    name: 'snowflake-swallowed-error',
    kind: 'a swallowed error: a failed Snowflake statement answers an empty result',
    file: `${W}/snowflake/snowflake-driver.ts`,
    find: 'if (err) return reject(err);',
    replace: 'if (err) return resolve({ columns: [], rows: [] });',
    tests: ['test/integration/snowflake', 'test/integration/warehouse/snowflake.test.ts'],
  },
  {
    name: 'databricks-status-object-as-http',
    kind: 'a swallowed error: a failed Databricks statement is reported as a connection problem',
    file: `${W}/databricks/databricks-errors.ts`,
    find: "return typeof status === 'number' ? status : undefined;",
    replace: 'return status as number | undefined;',
    tests: ['test/integration/databricks'],
  },
  {
    name: 'bigquery-no-cancel',
    kind: 'a job left running: the driver gives up on a slow query without jobs.cancel',
    file: `${W}/bigquery/bigquery-driver.ts`,
    find: '        await this.cancel(job);\n',
    replace: '',
    tests: ['test/integration/bigquery/protocol.test.ts'],
  },
  {
    name: 'bigquery-no-job-timeout',
    kind: 'a job left running: queries sent without jobTimeoutMs',
    file: `${W}/bigquery/bigquery-driver.ts`,
    find: '        jobTimeoutMs: String(timeoutMs),\n',
    replace: '',
    tests: ['test/integration/bigquery/protocol.test.ts'],
  },
  {
    name: 'engine-swallowed-apply-error',
    kind: 'a swallowed error: a failed change is counted as applied and its dependents run',
    file: 'src/engine/apply.ts',
    find: '          if (failure) {',
    replace: '          if (failure && !failure.message) {',
    tests: ['test/unit/engine'],
  },
  {
    name: 'engine-parallelism-off-by-one',
    kind: 'an off-by-one in batching: apply runs one change more at a time than --parallelism',
    file: 'src/engine/apply.ts',
    find: 'while (!stopped && running < parallelism && ready.length > 0) {',
    replace: 'while (!stopped && running <= parallelism && ready.length > 0) {',
    tests: ['test/unit/engine'],
  },
  {
    name: 'engine-runs-dependents-of-failure',
    kind: 'a swallowed error: after a failure, apply goes on starting changes',
    file: 'src/engine/apply.ts',
    find: '            stopped = true;',
    replace: '            stopped = false;',
    tests: ['test/unit/engine'],
  },
];

const originals = new Map();

function restoreAll() {
  for (const [file, text] of originals) writeFileSync(join(ROOT, file), text);
  originals.clear();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    restoreAll();
    process.exit(130);
  });
}

function run(command, args, env = {}) {
  return spawnSync(command, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

function build() {
  const r = run('npm', ['run', '--silent', 'build']);
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
}

function apply(m) {
  const path = join(ROOT, m.file);
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(m.find);
  if (at === -1 || text.indexOf(m.find, at + 1) !== -1) return false;
  originals.set(m.file, text);
  writeFileSync(path, text.slice(0, at) + m.replace + text.slice(at + m.find.length));
  return true;
}

function main() {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const m of MUTANTS) console.log(`${m.name.padEnd(36)} ${m.kind}`);
    return 0;
  }
  const chosen = args.length > 0 ? MUTANTS.filter((m) => args.includes(m.name)) : MUTANTS;
  const rows = [];
  let rebuilt = false;
  const started = Date.now();
  for (const m of chosen) {
    const t0 = Date.now();
    let outcome;
    let detail = '';
    if (!apply(m)) {
      outcome = 'NOT APPLIED';
      detail = `"${m.find.trim().slice(0, 60)}" is not (exactly once) in ${m.file}`;
    } else {
      try {
        if (m.build) {
          rebuilt = true;
          build(); // throws if the mutant does not compile: then it is reported, not counted
        }
        // Source-only runs skip the dist/ freshness check (the mutated source is deliberately unbuilt).
        const r = run(
          'npx',
          ['jest', '--maxWorkers=1', '--silent', ...m.tests],
          m.build ? {} : { BACKFLOW_SKIP_DIST_CHECK: '1' },
        );
        const out = `${r.stdout}\n${r.stderr}`;
        outcome = r.status === 0 ? 'SURVIVED' : 'killed';
        const failed = [...out.matchAll(/^\s*● (.+)$/gm)].map((x) => x[1]).filter((x) => !/›\s*$/.test(x));
        detail =
          r.status === 0
            ? `${m.tests.join(', ')} all pass`
            : (failed[0] ?? /Tests:.*$/m.exec(out)?.[0] ?? 'jest failed');
      } finally {
        restoreAll();
      }
    }
    rows.push({ m, outcome, detail, seconds: (Date.now() - t0) / 1000 });
    console.log(
      `${outcome.padEnd(11)} ${m.name.padEnd(36)} ${rows.at(-1).seconds.toFixed(0).padStart(4)} s  ${detail}`,
    );
  }
  if (rebuilt) build();
  const killed = rows.filter((r) => r.outcome === 'killed').length;
  console.log(`\n${killed}/${rows.length} mutants killed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const r of rows.filter((x) => x.outcome !== 'killed'))
    console.log(`  ${r.outcome}: ${r.m.name} (${r.m.kind})`);
  return killed === rows.length ? 0 : 1;
}

try {
  process.exitCode = main();
} finally {
  restoreAll();
}
