'use strict';
// Placeholder until the Postgres harness lands: starts nothing.
module.exports = async function globalSetup() {};
