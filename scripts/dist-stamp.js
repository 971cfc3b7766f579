#!/usr/bin/env node
'use strict';
/**
 * Ties dist/ to the source it was built from, so tests never run a stale CLI: `npm run build` ends with
 * `node scripts/dist-stamp.js --write`, which records a hash of src/ and tsconfig.build.json in
 * dist/.source-hash; the test runner's global setup calls `checkDist()` and fails the whole run, before
 * any test, when the hash no longer matches (source edited, branch switched, build forgotten).
 * A content hash, not file times: checkouts and copies change times without changing code.
 */
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
const STAMP = join(ROOT, 'dist', '.source-hash');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

function sourceHash() {
  const hash = createHash('sha256');
  for (const file of [...files(join(ROOT, 'src')), join(ROOT, 'tsconfig.build.json')]) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Throws a message saying what to run when dist/ was not built from the current source. */
function checkDist() {
  const built = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined;
  if (built === sourceHash()) return;
  throw new Error(
    built === undefined
      ? 'dist/ has no build stamp (dist/.source-hash): run `npm run build` (or `npm test`, which builds first).'
      : 'dist/ is stale: src/ changed since it was built, and the end-to-end tests run the built CLI. Run `npm run build` (or `npm test`, which builds first).',
  );
}

if (require.main === module) {
  if (process.argv.includes('--write')) writeFileSync(STAMP, `${sourceHash()}\n`);
  else {
    try {
      checkDist();
      console.log('dist/ matches src/');
    } catch (err) {
      console.error(err.message);
      process.exit(1);
    }
  }
}

module.exports = { checkDist, sourceHash };
