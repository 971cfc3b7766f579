'use strict';
/**
 * Preloaded (`--require`) into a process a benchmark measures: at exit, writes the process's peak resident
 * set size (KiB, from process.resourceUsage()) to the file named by BENCH_RSS_FILE.
 */
const fs = require('node:fs');

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    fs.writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}
