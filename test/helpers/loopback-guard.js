'use strict';
/**
 * Loaded before every test file (jest setupFiles) and into every CLI process the tests spawn
 * (NODE_OPTIONS=--require). Any TCP connect to an address outside loopback throws, so a suite that passes
 * has provably stayed on this machine. Also sets the variables that stop cloud SDKs from probing
 * metadata services when they load.
 */
const net = require('node:net');

process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION = 'true';
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.DATABRICKS_TELEMETRY_DISABLED = '1';

function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true; // Node defaults to localhost
  const h = String(host).replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h) || h === '::ffff:127.0.0.1';
}

function targetOf(args) {
  const first = args[0];
  if (Array.isArray(first)) return targetOf(first); // internal normalized form
  if (first !== null && typeof first === 'object') {
    if (first.path) return { local: true };
    return { host: first.host, port: first.port };
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { local: true }; // unix socket path
  return { host: typeof args[1] === 'string' ? args[1] : undefined, port: first };
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const target = targetOf(args);
  if (!target.local && !isLoopback(target.host)) {
    const err = new Error(
      `loopback guard: refused connection to ${target.host}:${target.port} (tests stay on 127.0.0.1/::1)`,
    );
    err.code = 'ELOOPBACKGUARD';
    throw err;
  }
  return originalConnect.apply(this, args);
};

module.exports = { isLoopback };
