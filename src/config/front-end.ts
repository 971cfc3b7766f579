/**
 * Which front end reads a folder: JSON when it holds backflow.json or *.backflow.json (unchanged by a
 * cdktf.json beside it, which may belong to other infrastructure), cdktf when it holds cdktf.json or when a
 * synth output folder is given.
 */
import { readdir } from 'node:fs/promises';
import { UserError } from '../errors';
import { CDKTF_JSON } from './cdktf/project';
import { MAIN_CONFIG_FILE } from './find-files';

export type FrontEnd = 'json' | 'cdktf';

export async function detectFrontEnd(
  dir: string,
  opts: { stack?: string; synthDir?: string } = {},
): Promise<FrontEnd> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const json = names.some((n) => n === MAIN_CONFIG_FILE || n.endsWith('.backflow.json'));
  const cdktfFlag =
    opts.synthDir !== undefined ? '--synth-dir' : opts.stack !== undefined ? '--stack' : undefined;
  if (json) {
    if (cdktfFlag !== undefined)
      throw new UserError(
        `${cdktfFlag} is for cdktf apps, but ${dir} holds Backflow JSON config`,
        'Run it from the cdktf project folder (with cdktf.json), or drop the flag.',
      );
    return 'json';
  }
  return names.includes(CDKTF_JSON) || opts.synthDir !== undefined ? 'cdktf' : 'json';
}
