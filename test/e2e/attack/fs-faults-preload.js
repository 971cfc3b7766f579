'use strict';
/**
 * Fault injection for the CLI under test (loaded with `node --require`): makes the state folder behave as
 * full (ENOSPC) at chosen moments, without root or a special file system.
 *   BACKFLOW_FAULT_JOURNAL=<text>  a journal write whose line contains <text> and is not a "tainted" record fails
 *   BACKFLOW_FAULT_STATE=1         every state temp file (the final state write) fails to open
 *   BACKFLOW_FAULT_ALL=<dir>       every write under <dir> fails after its file is created
 */
const fs = require('node:fs');
const { Buffer } = require('node:buffer');

const journalText = process.env.BACKFLOW_FAULT_JOURNAL;
const stateFault = process.env.BACKFLOW_FAULT_STATE === '1';
const allUnder = process.env.BACKFLOW_FAULT_ALL;
const journalFds = new Set();
const allFds = new Set();

function enospc(what) {
  const err = new Error(`ENOSPC: no space left on device, ${what}`);
  err.code = 'ENOSPC';
  err.errno = -28;
  return err;
}

const openSync = fs.openSync;
fs.openSync = function (path, flags, mode) {
  const p = String(path);
  if (stateFault && /state\.json\.tmp-\d+$/.test(p)) throw enospc(`open '${p}'`);
  const fd = openSync.call(fs, path, flags, mode);
  if (p.endsWith('.journal')) journalFds.add(fd);
  if (allUnder && p.startsWith(allUnder)) allFds.add(fd);
  return fd;
};

const writeSync = fs.writeSync;
fs.writeSync = function (fd, buffer, ...rest) {
  if (allFds.has(fd)) throw enospc('write');
  if (journalText && journalFds.has(fd)) {
    const text = Buffer.isBuffer(buffer) ? buffer.toString('utf8') : String(buffer);
    if (text.includes(journalText) && !text.includes('"tainted":true')) throw enospc('write');
  }
  return writeSync.call(fs, fd, buffer, ...rest);
};

const closeSync = fs.closeSync;
fs.closeSync = function (fd) {
  journalFds.delete(fd);
  allFds.delete(fd);
  return closeSync.call(fs, fd);
};
