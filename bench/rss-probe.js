'use strict';
/**
 * Preloaded (`--require`) into a process a benchmark measures: at exit, writes the process's peak resident
 * set size (KiB) and its user + system CPU time (microseconds), from process.resourceUsage(), to the file
 * named by BENCH_RSS_FILE, as `<KiB> <µs>`.
 */
const fs = require('node:fs');

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.writeFileSync(file, `${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}`);
  });
}
