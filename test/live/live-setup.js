'use strict';
/** Marks a live run (test/live/jest.config.js): the live suites only run when this is set. */
process.env.BACKFLOW_LIVE_RUN = '1';
process.env.DATABRICKS_TELEMETRY_DISABLED ??= '1';
