/**
 * Writing a cache file whole or not at all: a temporary file in the same folder, then a rename, so a
 * crash or a second process never leaves half a file for the next read. Caches only: no fsync (a cache
 * lost to a power cut is rebuilt); state and plans use src/state/durable-fs.ts.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeCacheFile(
  path: string,
  text: string,
  options: { mode?: number; dirMode?: number } = {},
): void {
  mkdirSync(dirname(path), {
    recursive: true,
    ...(options.dirMode !== undefined ? { mode: options.dirMode } : {}),
  });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text, options.mode !== undefined ? { mode: options.mode } : {});
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
