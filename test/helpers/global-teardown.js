'use strict';
/** Jest globalTeardown: stops the cluster globalSetup started (nothing when the user brought a server). */
module.exports = async function globalTeardown() {
  const server = globalThis.__BACKFLOW_PG__;
  if (!server) return;
  delete globalThis.__BACKFLOW_PG__;
  await server.stop();
};
