/**
 * Which files make up a configuration: `backflow.json` and every `*.backflow.json` in one folder.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors';

export const MAIN_CONFIG_FILE = 'backflow.json';
const CONFIG_SUFFIX = '.backflow.json';

/** Absolute paths of the config files in `dir`, sorted by name (the order their resources are declared in). */
export async function findConfigFiles(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new UserError(`Config folder ${dir} does not exist`, 'Pass the folder that holds backflow.json.');
  }
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    // Whatever the kind of entry: a pipe or a folder with a config file's name is refused when read, by
    // name, rather than skipped as if it were not there.
    .filter((e) => e.name === MAIN_CONFIG_FILE || e.name.endsWith(CONFIG_SUFFIX))
    .map((e) => e.name)
    // Code-unit order, not locale order: the same files load in the same order on every machine.
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) {
    throw new UserError(
      `No Backflow configuration found in ${dir}`,
      `Create ${MAIN_CONFIG_FILE} (or one or more *${CONFIG_SUFFIX} files) in that folder, or run from the folder that has them (for a TypeScript app, the folder with its cdktf.json).`,
    );
  }
  return names.map((n) => join(dir, n));
}
