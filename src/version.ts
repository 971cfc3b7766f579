/**
 * Backflow's own version, read from package.json. This file compiles to dist/version.js and runs from
 * src/version.ts under ts-jest: both are one level under the package root, so `../package.json` works in both.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  if (typeof pkg.version !== 'string') throw new Error('internal: package.json has no version');
  return pkg.version;
}

export const BACKFLOW_VERSION: string = readVersion();
