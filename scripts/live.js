#!/usr/bin/env node
'use strict';
/**
 * The live suite (test/live/): the shared adapter suite against the real warehouses. Prints, for each
 * warehouse, "skipped: no credentials" with the variables to set, or runs it when all are set (see README
 * "Live suite"). Exit code: jest's when something ran, else 0.
 */
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const REQUIRED = {
  snowflake: ['ACCOUNT', 'USER', 'WAREHOUSE', 'DATABASE', 'PRIVATE_KEY_FILE'],
  bigquery: ['PROJECT', 'CREDENTIALS_FILE'],
  databricks: ['HOST', 'HTTP_PATH', 'TOKEN'],
  redshift: ['HOST', 'DATABASE', 'USER', 'PASSWORD'],
};

let configured = 0;
for (const [warehouse, names] of Object.entries(REQUIRED)) {
  const vars = names.map((n) => `BACKFLOW_LIVE_${warehouse.toUpperCase()}_${n}`);
  const missing = vars.filter((v) => !process.env[v]);
  if (missing.length === 0) {
    configured += 1;
    console.log(`live ${warehouse}: running`);
  } else console.log(`live ${warehouse}: skipped: no credentials (set ${missing.join(', ')})`);
}
if (configured === 0) process.exit(0);
const root = join(__dirname, '..');
const r = spawnSync('npx', ['jest', '-c', 'test/live/jest.config.js'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
