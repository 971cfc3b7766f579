'use strict';
/**
 * Jest globalSetup: one throw-away Postgres cluster per jest run, shared by every test file (each file
 * makes its own database on it, see test/helpers/pg.ts). Set BACKFLOW_TEST_DATABASE_URL to use your own
 * server instead (a superuser URL); nothing is started then.
 *
 * The URL reaches the workers through process.env.BACKFLOW_TEST_PG_URL (jest copies the environment set
 * here into them). The handle lives on globalThis because globalTeardown runs in this same process.
 */
const { startPostgres } = require('./postgres-server');
const { checkDist } = require('../../scripts/dist-stamp');

module.exports = async function globalSetup() {
  // The end-to-end tests run the built CLI (bin/backflow.js → dist/): a dist/ built from other source
  // would test code nobody is changing. Fail the run before any test (scripts/dist-stamp.js).
  // BACKFLOW_SKIP_DIST_CHECK=1 is for runs that start no CLI (scripts/mutate.js's source-only mutants).
  if (process.env.BACKFLOW_SKIP_DIST_CHECK !== '1') checkDist();
  const external = process.env.BACKFLOW_TEST_DATABASE_URL;
  if (external) {
    process.env.BACKFLOW_TEST_PG_URL = external;
    return;
  }
  const server = await startPostgres();
  globalThis.__BACKFLOW_PG__ = server;
  process.env.BACKFLOW_TEST_PG_URL = server.url;
};
