/**
 * cdktf apps synthesized in-process: build stacks with the construct library, synth into a scratch folder,
 * and read the result back, as `backflow --synth-dir` does, without a child process.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, TerraformStack } from 'cdktf';

/** Synthesizes an app whose stacks `build` adds; returns the output folder (a cdktf.out). */
export function synth(build: (app: App) => void): string {
  const outdir = mkdtempSync(join(tmpdir(), 'backflow-synth-'));
  const app = new App({ outdir, skipValidation: true });
  build(app);
  app.synth();
  return outdir;
}

/** One stack named `name` holding what `build` adds. */
export function synthStack(name: string, build: (stack: TerraformStack) => void): string {
  return synth((app) => build(new TerraformStack(app, name)));
}

/** A synthesized stack's cdk.tf.json, parsed. */
export function stackJson(outdir: string, stack: string): any {
  return JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
}
