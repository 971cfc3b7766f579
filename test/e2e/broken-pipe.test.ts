/**
 * `backflow plan | head`: the reader closes the pipe after the first lines. Terraform (a Go program) is
 * stopped by SIGPIPE; Backflow must not report a crash, must release the state lock, must exit 141
 * (128 + SIGPIPE, what a shell shows for a process SIGPIPE stopped) and must write nothing after the
 * output it could not deliver (the `-out` plan file).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli';
import { scratchDir } from '../helpers/workspace';

const PASSWORD = 'broken-pipe-test-password';

/** Enough new resources for a plan of about 600 KB: far more than a pipe holds before its reader reads. */
function bigProject(): string {
  const dir = scratchDir('backflow-epipe-');
  const models: Record<string, unknown> = {};
  const syncs: Record<string, unknown> = {};
  for (let i = 0; i < 1000; i++) {
    models[`m${i}`] = {
      source: 'warehouse',
      name: `Model ${i}`,
      query: `select ${i} as id`,
      primary_key: 'id',
    };
    syncs[`s${i}`] = { model: `m${i}`, destination: 'crm', schedule: { strategy: 'manual' } };
  }
  const config = {
    sources: {
      warehouse: {
        warehouse: 'postgres',
        settings: { host: '127.0.0.1', database: 'db', user: 'u', password: { env: 'EPIPE_PASSWORD' } },
      },
    },
    models,
    destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
    syncs,
  };
  writeFileSync(join(dir, 'backflow.json'), JSON.stringify(config));
  return dir;
}

/** Runs the CLI and closes its stdout after the first chunk, as `| head -1` does. */
function runIntoClosedPipe(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stderr: string; read: string }> {
  const child = startCli(args, { cwd, env: { EPIPE_PASSWORD: PASSWORD } });
  let stderr = '';
  let read = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.once('data', (d: Buffer) => {
    read = d.toString();
    child.stdout!.destroy();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, read }));
  });
}

test('plan into a pipe closed early exits 141 without a crash report, releases the lock, writes no plan file', async () => {
  const dir = bigProject();
  const planFile = join(dir, 'cut.tfplan');
  const cut = await runIntoClosedPipe(['plan', '-refresh=false', '-out', planFile], dir);
  expect(cut.read).toContain('Resource actions are indicated with the following symbols:');
  expect(cut.code).toBe(141);
  expect(cut.stderr).not.toMatch(/crashed|EPIPE|\n\s+at /);
  expect(cut.stderr).not.toContain(PASSWORD);
  expect(existsSync(planFile)).toBe(false);
  expect(existsSync(join(dir, '.backflow', 'state.json.lock'))).toBe(false);

  // The lock is free: the same plan, read to the end, works and saves its file.
  const whole = await runCli(['plan', '-refresh=false', '-out', planFile], {
    cwd: dir,
    env: { EPIPE_PASSWORD: PASSWORD },
  });
  expect(whole.code).toBe(0);
  expect(whole.stdout).toContain('Plan: 2002 to add, 0 to change, 0 to destroy.');
  expect(existsSync(planFile)).toBe(true);
});
