#!/usr/bin/env node
'use strict';
/**
 * Coverage of what the suite runs, including the CLI processes the end-to-end tests spawn: jest measures
 * its own processes (V8 coverage of the TypeScript source), and every spawned CLI writes raw V8 coverage to
 * NODE_V8_COVERAGE (test/helpers/cli.ts passes BACKFLOW_CLI_COVERAGE on), which is mapped through dist/'s
 * source maps back to src/ and merged with jest's. Prints line coverage of src/ in-process, in the CLI
 * processes, and merged; writes coverage/coverage-final.json and an HTML report in coverage/html/.
 *
 *   npm run coverage [-- jest arguments, e.g. test/e2e]
 */
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { fileURLToPath } = require('node:url');
const libCoverage = require('istanbul-lib-coverage');
const libReport = require('istanbul-lib-report');
const reports = require('istanbul-reports');
const v8toIstanbul = require('v8-to-istanbul');

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'coverage');
const RAW = join(OUT, 'cli-v8');
const DIST = join(ROOT, 'dist');

async function cliCoverage() {
  const map = libCoverage.createCoverageMap({});
  if (!existsSync(RAW)) return map;
  for (const file of readdirSync(RAW).filter((f) => f.endsWith('.json'))) {
    const { result } = JSON.parse(readFileSync(join(RAW, file), 'utf8'));
    for (const script of result) {
      if (!script.url.startsWith('file://')) continue;
      const path = fileURLToPath(script.url);
      if (!path.startsWith(DIST + '/') || !path.endsWith('.js') || !existsSync(`${path}.map`)) continue;
      const converter = v8toIstanbul(path, 0, {
        source: readFileSync(path, 'utf8'),
        sourceMap: { sourcemap: JSON.parse(readFileSync(`${path}.map`, 'utf8')) },
      });
      await converter.load();
      converter.applyCoverage(script.functions);
      map.merge(converter.toIstanbul());
      converter.destroy();
    }
  }
  // Only src/ files count (the source maps point there).
  return libCoverage.createCoverageMap(
    Object.fromEntries(Object.entries(map.toJSON()).filter(([f]) => f.startsWith(join(ROOT, 'src') + '/'))),
  );
}

function linePercent(map) {
  const s = libCoverage.createCoverageSummary();
  for (const f of map.files()) s.merge(map.fileCoverageFor(f).toSummary());
  return `${s.lines.pct.toFixed(1)}% of ${s.lines.total} lines`;
}

async function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(RAW, { recursive: true });
  const jest = spawnSync(
    'npx',
    [
      'jest',
      '--coverage',
      '--coverageProvider=v8',
      '--coverageReporters=json',
      `--coverageDirectory=${join(OUT, 'jest')}`,
      '--collectCoverageFrom=src/**/*.ts',
      ...process.argv.slice(2),
    ],
    { cwd: ROOT, stdio: 'inherit', env: { ...process.env, BACKFLOW_CLI_COVERAGE: RAW } },
  );
  const inProcess = libCoverage.createCoverageMap(
    existsSync(join(OUT, 'jest', 'coverage-final.json'))
      ? JSON.parse(readFileSync(join(OUT, 'jest', 'coverage-final.json'), 'utf8'))
      : {},
  );
  const cli = await cliCoverage();
  const merged = libCoverage.createCoverageMap(inProcess.toJSON());
  merged.merge(cli);
  writeFileSync(join(OUT, 'coverage-final.json'), JSON.stringify(merged.toJSON()));
  const context = libReport.createContext({ dir: OUT, coverageMap: merged });
  reports.create('html', { subdir: 'html' }).execute(context);
  console.log(`\ncoverage of src/ — jest processes: ${linePercent(inProcess)}`);
  console.log(`coverage of src/ — spawned CLI processes: ${linePercent(cli)}`);
  console.log(`coverage of src/ — merged: ${linePercent(merged)}  (coverage/html/index.html)`);
  process.exitCode = jest.status ?? 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
