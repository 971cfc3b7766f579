/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Fails any socket that leaves loopback, and sets the variables that stop cloud SDKs probing metadata.
  setupFiles: ['<rootDir>/test/helpers/loopback-guard.js'],
  // The TypeScript example imports the package by name, as users do; in tests that is the source.
  moduleNameMapper: {
    '^backflow-etl/constructs$': '<rootDir>/src/constructs/index.ts',
    '^backflow-etl$': '<rootDir>/src/index.ts',
  },
  globalSetup: '<rootDir>/test/helpers/global-setup.js',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
