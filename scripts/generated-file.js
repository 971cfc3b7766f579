'use strict';
/**
 * The write-or-check step shared by the generators (scripts/generate-*.js): without `--check`, write the
 * freshly generated text; with it, exit 1 when the checked-in file differs (CI catches a stale file).
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

/** Writes `fresh` to `outFile`, or with `--check` compares it with the file and exits 1 when stale. */
function writeOrCheck(outFile, fresh, argv = process.argv) {
  const relative = path.relative(ROOT, outFile);
  if (argv.includes('--check')) {
    const current = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '';
    if (current !== fresh) {
      console.error(
        `${relative} is stale: it does not match schemas/*.schema.json.\n` +
          'Run `npm run generate:types` and commit the result.',
      );
      process.exit(1);
    }
    console.log(`${relative} is up to date.`);
    return;
  }
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, fresh);
  console.log(`wrote ${relative}`);
}

module.exports = { ROOT, writeOrCheck };
