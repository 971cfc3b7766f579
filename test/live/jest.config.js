/**
 * Jest config of the opt-in live suite: the real services, so no loopback guard and no local Postgres.
 *   npx jest -c test/live/jest.config.js
 */
const base = require('../../jest.config.js');

module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/live'],
  setupFiles: ['<rootDir>/test/live/live-setup.js'],
  globalSetup: undefined,
  globalTeardown: undefined,
  maxWorkers: 1,
  testTimeout: 5 * 60 * 1000,
};
