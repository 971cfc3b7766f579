'use strict';
/**
 * A finished sync run as the agent's run function returns it, for tests and benchmarks that inject their
 * own run function (to count executions without a warehouse). Plain CommonJS on the built zeroCounts so the
 * scale-out worker (test/helpers/agent-worker.js) and bench/agent.js share it with the TypeScript tests.
 */
const { zeroCounts } = require('../../dist/adapters/warehouse/tracking');

/**
 * `call`: the run function's argument (its sync and trigger are recorded). `accepted`: rows per operation
 * (default none; planned = accepted). `status`: default `succeeded`.
 */
function finishedRun(call, runId, { accepted = {}, status = 'succeeded', at = new Date() } = {}) {
  const counts = { ...zeroCounts(), ...accepted };
  const t = at.toISOString();
  return {
    run: {
      runId,
      sync: call.sync,
      trigger: call.trigger,
      status,
      startedAt: t,
      finishedAt: t,
      planned: counts,
      accepted: { ...counts },
      rejected: zeroCounts(),
      nullKeys: 0,
      duplicateKeys: 0,
      error: null,
    },
    resumed: false,
    stopped: false,
  };
}

module.exports = { finishedRun };
