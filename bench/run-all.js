#!/usr/bin/env node
'use strict';
/**
 * Runs every benchmark in sequence, each in its own Node process (so one's heap and JIT state do not
 * affect the next), streams their output, and ends with one line per metric for a release note.
 *
 *   npm run bench                          # build, then all of them
 *   node bench/run-all.js apply-bytes      # only the named ones (after `npm run build`)
 *
 * Exit code: 0 when every benchmark exited 0, 1 otherwise. No timed assertions: numbers are printed only.
 */
const { spawn, spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const BENCHES = [
  'startup',
  'plan-large',
  'plan-scale',
  'render-plan',
  'refresh-roundtrips',
  'refresh-warehouses',
  'tracking-statements',
  'apply-bytes',
  'apply-scale',
  'state-backends',
  'git-clone',
  'dbt-loader',
  'sync-runs',
];

function run(name) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [path.join(__dirname, `${name}.js`)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: process.env,
    });
    const summary = [];
    let pending = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) if (line.startsWith('SUMMARY ')) summary.push(line.slice('SUMMARY '.length));
    });
    child.on('close', (code, signal) => {
      if (pending.startsWith('SUMMARY ')) summary.push(pending.slice('SUMMARY '.length));
      resolve({ name, code, signal, seconds: (Date.now() - t0) / 1000, summary });
    });
  });
}

function commit() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  });
  if (r.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
  });
  return `${r.stdout.trim()}${dirty.stdout && dirty.stdout.trim() ? ' + uncommitted src changes' : ''}`;
}

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !BENCHES.includes(w));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHES.join(', ')}`);
    process.exit(1);
  }
  const selected = wanted.length > 0 ? wanted : BENCHES;
  const results = [];
  for (const name of selected) {
    console.log(`\n################ ${name} ################`);
    results.push(await run(name));
  }

  const cpus = os.cpus();
  console.log('\n================ Backflow benchmark summary ================');
  console.log(
    `node ${process.version}, ${cpus.length} x ${cpus[0] ? cpus[0].model.trim() : 'cpu'}, ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, load avg ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}, ` +
      `commit ${commit()}, ${new Date().toISOString()}`,
  );
  for (const r of results) {
    const status = r.code === 0 ? 'ok' : `FAILED (exit ${r.code ?? r.signal})`;
    console.log(`${r.name}: ${status}, ${r.seconds.toFixed(1)} s`);
  }
  console.log('');
  for (const r of results) for (const line of r.summary) console.log(line);
  process.exit(results.every((r) => r.code === 0) ? 0 : 1);
}

main();
