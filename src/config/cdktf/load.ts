/**
 * The cdktf front end: run the app (or read an existing synth), then load every selected stack as its own
 * workspace. Problems of all stacks are reported together, before anything is planned.
 */
import { resolve } from 'node:path';
import type { Diagnostic } from '../../diagnostics';
import { DiagnosticsError } from '../../errors';
import type { DesiredState } from '../desired';
import { summaryOf } from '../load';
import { loadStack } from './load-stack';
import { readCdktfProject } from './project';
import { runApp } from './run-app';
import { listStacks, selectStacks } from './synth-output';

export interface CdktfLoadOptions {
  /** The cdktf project folder (holds cdktf.json): state paths and secret files are relative to it. */
  dir: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  readSecrets?: boolean;
  /** Only this stack (default: all, in manifest order). */
  stack?: string;
  /** Read this synth output instead of running the app (cdktf synth, cdktn synth, or hand-written). */
  synthDir?: string;
}

export interface LoadedStack {
  name: string;
  desired: DesiredState;
}

export async function loadCdktfConfig(opts: CdktfLoadOptions): Promise<LoadedStack[]> {
  const cwd = opts.cwd ?? process.cwd();
  const configDir = resolve(cwd, opts.dir);
  const env = opts.env ?? process.env;
  let outdir: string;
  if (opts.synthDir !== undefined) outdir = resolve(cwd, opts.synthDir);
  else {
    const project = await readCdktfProject(configDir, cwd);
    await runApp(project, env);
    outdir = project.outdir;
  }
  const stacks = selectStacks(
    await listStacks(outdir, { requireManifest: opts.synthDir === undefined }),
    opts.stack,
  );
  const loaded: LoadedStack[] = [];
  const problems: Diagnostic[] = [];
  for (const stack of stacks) {
    try {
      const desired = await loadStack(stack, { configDir, cwd, env, readSecrets: opts.readSecrets ?? true });
      loaded.push({ name: stack.name, desired });
    } catch (err) {
      if (!(err instanceof DiagnosticsError)) throw err;
      problems.push(...err.diagnostics);
    }
  }
  if (problems.length > 0) throw new DiagnosticsError(problems, summaryOf(problems));
  return loaded;
}
