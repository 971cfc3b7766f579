/**
 * Jest's CommonJS sandbox cannot run two things the cloud SDKs do on Node 20, so under jest (and only
 * there; the CLI processes e2e tests spawn load the real modules, as in production):
 *  - teeny-request (HTTP layer of @google-cloud/bigquery) `import()`s node-fetch: see teeny-request-jest.js;
 *  - thrift (used by @databricks/sql) requires uuid 13, which is ESM only (Node 20.19+ can require() it,
 *    jest cannot): thrift gets the CommonJS uuid 11 that @databricks/sql itself uses (same parse/stringify).
 * Import this file before anything loads those SDKs.
 */
jest.mock('teeny-request', () => require('./teeny-request-jest'));
jest.mock(require.resolve('uuid', { paths: [require('node:path').dirname(require.resolve('thrift'))] }), () =>
  jest.requireActual('uuid'),
);

export {};
