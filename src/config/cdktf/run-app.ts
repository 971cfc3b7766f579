/**
 * Runs a cdktf app the way `cdktf synth` does, without cdktf-cli or a terraform binary: its `app` command in
 * a shell, in the project folder, with CDKTF_OUTDIR naming the output folder. The app's own output is kept
 * and shown only when it fails.
 */
import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../errors';
import type { CdktfProject } from './project';

/** Lines of the app's output shown when it fails: enough for a compiler's errors or a stack trace. */
const SHOWN_LINES = 60;

export async function runApp(project: CdktfProject, env: NodeJS.ProcessEnv): Promise<void> {
  // cdktf's App creates its outdir without `recursive`; a stale manifest must never be read as this run's.
  await mkdir(project.outdir, { recursive: true });
  await rm(join(project.outdir, 'manifest.json'), { force: true });
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    CDKTF_OUTDIR: project.outdir,
    // JSON, never HCL: Backflow reads cdk.tf.json.
    SYNTH_HCL_OUTPUT: 'false',
  };
  if (project.context !== undefined) childEnv.CDKTF_CONTEXT_JSON = JSON.stringify(project.context);

  const { code, signal, output } = await run(project.app, project.dir, childEnv);
  if (code === 0) return;
  const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
  throw new UserError(
    `The cdktf app failed: \`${project.app}\` ${how}`,
    [
      tail(output) || '(it printed nothing)',
      '',
      `Backflow ran it in ${project.dir} with CDKTF_OUTDIR=${project.outdir}, as \`cdktf synth\` would.`,
      'Fix the error above, then run the command again. Nothing was planned and state is unchanged.',
    ].join('\n'),
  );
}

function run(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, { cwd, env, shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolvePromise({ code, signal, output: Buffer.concat(chunks).toString('utf8') }),
    );
  });
}

function tail(output: string): string {
  const lines = output.replace(/\s+$/, '').split('\n');
  if (lines.length <= SHOWN_LINES) return lines.join('\n');
  return [`(${lines.length - SHOWN_LINES} earlier lines not shown)`, ...lines.slice(-SHOWN_LINES)].join('\n');
}
