'use strict';
/**
 * Loads each generated config of the mutation corpus through the built loader (dist/), in a worker thread
 * whose heap the test bounds: a case that would exhaust memory kills this worker, not the test run. Posts
 * `{ start: i }` before each case (so a hang names its case) and `{ done: i, result }` after it.
 */
const { parentPort, workerData } = require('node:worker_threads');
const { loadConfig } = require('../../../dist/config/load');
const { UserError } = require('../../../dist/errors');

async function main() {
  for (const { i, dir } of workerData.cases) {
    parentPort.postMessage({ start: i });
    let result;
    try {
      const desired = await loadConfig({ dir, cwd: dir, env: workerData.env });
      result = { kind: 'ok', resources: desired.resources.size };
    } catch (err) {
      result =
        err instanceof UserError
          ? { kind: 'user-error', message: err.message, hint: err.hint, diagnostics: err.diagnostics ?? [] }
          : { kind: 'bug', message: String((err && err.stack) || err) };
    }
    // Anything a config could have written onto Object.prototype shows up on every object.
    result.polluted = Object.getOwnPropertyNames(Object.prototype).filter(
      (k) => !workerData.protoKeys.includes(k),
    );
    parentPort.postMessage({ done: i, result });
  }
}

main().then(
  () => parentPort.postMessage({ finished: true }),
  (err) => parentPort.postMessage({ crashed: String((err && err.stack) || err) }),
);
