/**
 * Reading a folder's config into the workspaces a command runs on, and nothing else: `validate` imports
 * this module and not workspace.ts, so it never loads the state backends, the engine's connections or the
 * warehouse adapters.
 */
import { resolve } from 'node:path';
import type { DesiredState } from '../config/desired';
import { detectFrontEnd } from '../config/front-end';
import { loadConfig } from '../config/load';
import { UserError } from '../errors';
import type { GlobalOptions } from './workspace';

/** One workspace a command runs on: the folder's JSON config, or one stack of its cdktf app. */
export interface StackDesired {
  /** The cdktf stack; undefined for JSON config. */
  stack?: string;
  desired: DesiredState;
}

/** Reads the config of the folder with the front end its contents call for (see config/front-end.ts). */
export async function loadWorkspaces(opts: GlobalOptions): Promise<StackDesired[]> {
  const dir = resolve(opts.config ?? '.');
  const readSecrets = opts.readSecrets !== false;
  if ((await detectFrontEnd(dir, opts)) === 'json')
    return [{ desired: await loadConfig({ dir, cwd: process.cwd(), readSecrets }) }];
  // The cdktf front end (child process, synth output) loads only for a cdktf app.
  const { loadCdktfConfig } = require('../config/cdktf/load') as typeof import('../config/cdktf/load');
  const stacks = await loadCdktfConfig({
    dir,
    cwd: process.cwd(),
    readSecrets,
    stack: opts.stack,
    synthDir: opts.synthDir,
  });
  return stacks.map((s) => ({ stack: s.name, desired: s.desired }));
}

/** The one workspace of a command that takes one (a cdktf app with several stacks needs --stack). */
export async function loadDesired(opts: GlobalOptions): Promise<DesiredState> {
  const all = await loadWorkspaces(opts);
  if (all.length === 1) return all[0].desired;
  throw new UserError(
    `This cdktf app has ${all.length} stacks (${all.map((s) => s.stack).join(', ')}): this command works on one`,
    'Choose it with --stack NAME.',
  );
}
