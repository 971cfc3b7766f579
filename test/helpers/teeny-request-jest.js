'use strict';
/**
 * teeny-request (the HTTP layer of @google-cloud/common, so of @google-cloud/bigquery) loads node-fetch
 * with a dynamic `import()`, which jest's CommonJS sandbox cannot run without --experimental-vm-modules.
 * Under jest only, this is teeny-request's own code with that one line pointed at Node's built-in fetch;
 * the CLI processes the e2e tests spawn use the real module, as in production.
 */
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const file = require.resolve('teeny-request', { paths: [path.join(__dirname, '..', '..')] });
const source = fs
  .readFileSync(file, 'utf8')
  .replace("import('node-fetch')", 'Promise.resolve({ default: globalThis.fetch })');
if (!source.includes('globalThis.fetch })'))
  throw new Error('teeny-request changed: update test/helpers/teeny-request-jest.js');
const shim = { exports: {} };
new Function('exports', 'require', 'module', '__filename', '__dirname', source)(
  shim.exports,
  createRequire(file),
  shim,
  file,
  path.dirname(file),
);
module.exports = shim.exports;
