#!/usr/bin/env node
'use strict';
/**
 * Clone and incremental sync of a dbt repository over loopback smart HTTP: Backflow's Git adapter
 * (isomorphic-git, `syncRepository`) against the git CLI on the same repository, in the same run.
 *
 * The repository: a generated dbt-like project of 3,000 files (20 domains × staging/intermediate/marts
 * folders of models with a properties file each, macros, singular tests, seeds, analyses) built in three
 * commits, served by `git http-backend` behind the test suite's loopback server
 * (test/helpers/git-http-server.js).
 *
 * Measured, in pairs back to back (order alternating) so both see the same machine load:
 *   clone        syncRepository into an empty cache (shallow, single branch, bare, no checkout) vs
 *                `git clone --depth 1 --bare --single-branch` (wall time of the process);
 *   incremental  after a one-file commit: syncRepository on the warm cache vs `git fetch --depth 1` in the
 *                CLI's bare clone; and syncRepository's incremental sync over its own full clone.
 *   read         listing and reading every file of the checkout (what the dbt loader does next).
 *
 * Runs: BENCH_GIT_RUNS (default 5) after one warm-up pair. Files: BENCH_GIT_FILES (default 3000).
 */
const { spawn } = require('node:child_process');
const path = require('node:path');
const L = require('./lib');
const { startGitHttpServer } = require('../test/helpers/git-http-server');
const { createServedRepo, git } = require('../test/helpers/git-repo');

const RUNS = Number(process.env.BENCH_GIT_RUNS || 5);
const FILES = Number(process.env.BENCH_GIT_FILES || 3000);
const { syncRepository } = L.dist('adapters/git');

/** A dbt-like project of exactly `total` files; `domains` of them are in the first commit's half. */
function generateProject(total) {
  const fixed = {
    'dbt_project.yml':
      "name: acme\nversion: '1.0.0'\nconfig-version: 2\nprofile: acme\nmodel-paths: ['models']\n" +
      'models:\n  acme:\n    +materialized: view\n    marts:\n      +materialized: table\n      +schema: marts\n',
    'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n',
    'README.md': '# acme analytics\n',
  };
  const files = { ...fixed };
  const others = [];
  for (let i = 0; i < 100; i++)
    others.push([
      `macros/macro_${L.pad(i, 3)}.sql`,
      `{% macro m${i}(x) %}\n  coalesce({{ x }}, ${i})\n{% endmacro %}\n`,
    ]);
  for (let i = 0; i < 100; i++)
    others.push([
      `tests/assert_${L.pad(i, 3)}.sql`,
      `select * from {{ ref('d00_staging_m000') }} where id < ${-i}\n`,
    ]);
  for (let i = 0; i < 30; i++) others.push([`seeds/seed_${L.pad(i, 2)}.csv`, `id,name\n${i},name_${i}\n`]);
  for (let i = 0; i < 7; i++) others.push([`analyses/analysis_${i}.sql`, `select ${i} as n\n`]);
  const modelFiles = total - Object.keys(fixed).length - others.length;
  const layers = ['staging', 'intermediate', 'marts'];
  const folders = [];
  for (let d = 0; d < 20; d++) for (const layer of layers) folders.push({ domain: `d${L.pad(d, 2)}`, layer });
  const perFolder = Math.floor(modelFiles / folders.length) - 1; // one properties file per folder
  let extra = modelFiles - folders.length * (perFolder + 1);
  const models = [];
  for (const { domain, layer } of folders) {
    const n = perFolder + (extra-- > 0 ? 1 : 0);
    const names = [];
    for (let i = 0; i < n; i++) {
      const name = `${domain}_${layer}_m${L.pad(i, 3)}`;
      names.push(name);
      models.push([
        `models/${domain}/${layer}/${name}.sql`,
        `{{ config(materialized='${layer === 'marts' ? 'table' : 'view'}', tags=['${domain}']) }}\n\n` +
          `with source as (\n  select * from {{ ${layer === 'staging' ? `source('${domain}', 'raw_${i}')` : `ref('${domain}_staging_m${L.pad(i % 10, 3)}')`} }}\n),\n` +
          `renamed as (\n  select id as ${name}_id, created_at, updated_at, status, amount_cents / 100.0 as amount\n  from source\n)\n\nselect * from renamed\n`,
      ]);
    }
    const props =
      'version: 2\n\nmodels:\n' +
      names
        .map(
          (name) =>
            `  - name: ${name}\n    description: "${name} by the ${layer} layer"\n    columns:\n` +
            `      - name: ${name}_id\n        tests: [unique, not_null]\n      - name: status\n        tests:\n` +
            `          - accepted_values:\n              values: ['open', 'closed']\n`,
        )
        .join('');
    models.push([`models/${domain}/${layer}/_${domain}_${layer}__models.yml`, props]);
  }
  for (const [p, c] of [...others, ...models]) files[p] = c;
  if (Object.keys(files).length !== total)
    throw new Error(`generated ${Object.keys(files).length} files, not ${total}`);
  return files;
}

/** Runs a command asynchronously (the HTTP server lives in this process: never a sync child here). */
function run(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = L.now();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(L.secondsSince(t0));
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

const cliClone = (url, dest) =>
  run('git', [
    '-c',
    'advice.detachedHead=false',
    'clone',
    '-q',
    '--depth',
    '1',
    '--bare',
    '--single-branch',
    '--branch',
    'main',
    url,
    dest,
  ]);
const cliFetch = (dir) =>
  run('git', ['fetch', '-q', '--depth', '1', 'origin', '+refs/heads/main:refs/heads/main'], dir);

async function cliObjectCount(dir) {
  const out = await git(dir, ['count-objects', '-v']);
  const n = (k) => Number((new RegExp(`^${k}: (\\d+)$`, 'm').exec(out) || [])[1] || 0);
  return n('count') + n('in-pack');
}

async function readAll(files) {
  const paths = await files.list();
  let bytes = 0;
  for (const p of paths) bytes += (await files.read(p)).length;
  return { files: paths.length, bytes };
}

async function main() {
  L.heading(`git-clone: a ${L.fmtInt(FILES)}-file dbt project over loopback HTTP, isomorphic-git vs git CLI`);
  const root = L.tempDir('git-root');
  const files = generateProject(FILES);
  const paths = Object.keys(files);
  const half = Object.fromEntries(paths.slice(0, paths.length >> 1).map((p) => [p, files[p]]));
  const rest = Object.fromEntries(paths.slice(paths.length >> 1).map((p) => [p, files[p]]));
  const [buildS, repo] = await L.timed(async () => {
    const r = await createServedRepo({ root, name: 'acme-dbt.git', files: half });
    await r.commit(rest, 'second half of the project');
    const touched = {};
    for (const p of paths.filter((p) => p.endsWith('.sql')).slice(0, 100))
      touched[p] = files[p] + '-- reviewed\n';
    await r.commit(touched, 'touch 100 models');
    return r;
  });
  L.onCleanup(() => repo.remove());
  const server = await startGitHttpServer({ root });
  L.onCleanup(() => server.stop());
  const url = server.url('acme-dbt.git');
  console.log(
    `repository: ${L.fmtInt(FILES)} files in 3 commits, built in ${L.fmtS(buildS)}; served at ${url}`,
  );

  const spec = { repository: url, protocol: 'https', service: 'generic', branch: 'main', configDir: root };

  /** Server-side seconds of the pack request (POST) made since `from`: git http-backend's run time. */
  const serverSeconds = (from) =>
    server.requests
      .slice(from)
      .filter((r) => r.method === 'POST')
      .reduce((sum, r) => sum + (r.ms || 0) / 1000, 0);
  async function isoClone() {
    const cacheDir = L.tempDir('git-cache');
    const from = server.requests.length;
    const [s, checkout] = await L.timed(() => syncRepository(spec, { cacheDir }));
    if (checkout.kind !== 'clone') throw new Error(`expected a clone, got ${checkout.kind}`);
    return { s, server: serverSeconds(from), checkout, cacheDir };
  }
  async function gitClone() {
    const dest = path.join(L.tempDir('git-cli'), 'clone.git');
    const from = server.requests.length;
    const s = await cliClone(url, dest);
    return { s, server: serverSeconds(from), dest };
  }

  // Warm-up pair (JIT, page cache, the server's first pack).
  const warm = await isoClone();
  const warmCli = await gitClone();
  const cloneObjects = warm.checkout.stats.objectsFetched;
  const cliCloneObjects = await cliObjectCount(warmCli.dest);
  const [readS, read] = await L.timed(() => readAll(warm.checkout.files));

  L.heading(`clone (${RUNS} pairs, order alternating)`);
  const iso = [];
  const cli = [];
  const isoServer = [];
  const cliServer = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    let c;
    if (i % 2 === 0) {
      last = await isoClone();
      c = await gitClone();
    } else {
      c = await gitClone();
      last = await isoClone();
    }
    iso.push(last.s);
    cli.push(c.s);
    isoServer.push(last.server);
    cliServer.push(c.server);
    console.log(
      `  run ${i + 1}: syncRepository ${L.fmtS(last.s)} (server ${L.fmtS(last.server)}), ` +
        `git clone ${L.fmtS(c.s)} (server ${L.fmtS(c.server)})`,
    );
  }

  L.heading(`incremental sync after a one-file commit (${RUNS} runs)`);
  const incCache = last.cacheDir; // a warm cache from a full clone
  const cliDir = (await gitClone()).dest;
  const inc = [];
  const incCli = [];
  let incObjects = 0;
  let incBytes = 0;
  let cliIncObjects = 0;
  for (let i = 0; i < RUNS; i++) {
    const target = `models/d07/marts/d07_marts_m${L.pad(i, 3)}.sql`;
    const sha = await repo.commit({ [target]: files[target] + `-- change ${i}\n` }, `one-file change ${i}`);
    const before = await cliObjectCount(cliDir);
    const [s, checkout] = await L.timed(() => syncRepository(spec, { cacheDir: incCache }));
    if (checkout.kind !== 'fetch' || checkout.commit !== sha)
      throw new Error('incremental sync did not fetch the new commit');
    if (!(await checkout.files.read(target)).endsWith(`-- change ${i}\n`))
      throw new Error('new content not seen');
    const sc = await cliFetch(cliDir);
    inc.push(s);
    incCli.push(sc);
    incObjects = checkout.stats.objectsFetched;
    incBytes = checkout.stats.bytesFetched;
    cliIncObjects = (await cliObjectCount(cliDir)) - before;
    console.log(
      `  run ${i + 1}: syncRepository ${L.fmtS(s)} (${incObjects} objects, ${L.fmtBytes(incBytes)}), ` +
        `git fetch ${L.fmtS(sc)} (${cliIncObjects} objects)`,
    );
  }

  const isoMed = L.median(iso);
  const cliMed = L.median(cli);
  const incMed = L.median(inc);
  const incCliMed = L.median(incCli);
  L.heading('results (medians)');
  L.table(
    ['step', 'isomorphic-git (Backflow)', 'git CLI', 'ratio'],
    [
      ['clone, depth 1, bare', L.fmtS(isoMed), L.fmtS(cliMed), L.fmtRatio(isoMed / cliMed)],
      ['  of which the server (pack)', L.fmtS(L.median(isoServer)), L.fmtS(L.median(cliServer)), ''],
      [
        '  client side (total - server)',
        L.fmtS(L.median(iso.map((s, i) => s - isoServer[i]))),
        L.fmtS(L.median(cli.map((s, i) => s - cliServer[i]))),
        L.fmtRatio(
          L.median(iso.map((s, i) => s - isoServer[i])) / L.median(cli.map((s, i) => s - cliServer[i])),
        ),
      ],
      ['objects in the clone', L.fmtInt(cloneObjects), L.fmtInt(cliCloneObjects), ''],
      ['incremental, one-file commit', L.fmtS(incMed), L.fmtS(incCliMed), L.fmtRatio(incMed / incCliMed)],
      ['objects fetched', String(incObjects), String(cliIncObjects), ''],
      ['incremental / own full clone', L.fmtRatio(incMed / isoMed), L.fmtRatio(incCliMed / cliMed), ''],
    ],
  );
  console.log(
    `\nread every file of the checkout (what the dbt loader does next): ${read.files} files, ` +
      `${L.fmtBytes(read.bytes)} in ${L.fmtS(readS)}; pack of the clone ${L.fmtBytes(warm.checkout.stats.bytesFetched)}`,
  );
  console.log('targets: clone ratio < 2x; incremental sync a small fraction of the full clone.');

  L.summary('git-clone', [
    [
      'clone isomorphic-git / git CLI',
      `${L.fmtRatio(isoMed / cliMed)} (${L.fmtS(isoMed)} vs ${L.fmtS(cliMed)}, ${FILES} files)`,
    ],
    [
      'incremental sync / full clone',
      `${L.fmtRatio(incMed / isoMed)} (${L.fmtS(incMed)}, ${incObjects} objects vs ${cloneObjects})`,
    ],
    [
      'incremental isomorphic-git / git fetch',
      `${L.fmtRatio(incMed / incCliMed)} (${L.fmtS(incMed)} vs ${L.fmtS(incCliMed)})`,
    ],
  ]);
}

L.runMain('git-clone', main);
