'use strict';
module.exports = async function globalTeardown() {};
