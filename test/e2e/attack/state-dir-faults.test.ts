/**
 * State folder faults: a full (ENOSPC) or read-only state folder is a clear error (exit 1, no stack trace)
 * and leaves no temp file; and an action whose outside effect succeeded is never replaced later because
 * its journal line (and then the final state) could not be written: the true state is saved aside, `plan`
 * plans against it, and the next `apply` writes it to the backend.
 *
 * Faults come from a preload that fails the chosen writes with ENOSPC (fs-faults-preload.js); where this
 * machine lets the test mount a small tmpfs (root in a container that allows it), a really full and a
 * really read-only file system are tried as well.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runCli, type CliResult } from '../../helpers/cli';
import { createTestDatabase, type TestDatabase, type TestRole } from '../../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../../helpers/workspace';

const PRELOAD = join(__dirname, 'fs-faults-preload.js');
const GUARD = join(ROOT, 'test', 'helpers', 'loopback-guard.js');

let db: TestDatabase;
let role: TestRole;

beforeAll(async () => {
  db = await createTestDatabase('attack_state_faults');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`grant create, temporary on database "${db.name}" to "${role.name}"`);
});

afterAll(async () => {
  await db?.drop();
});

function config(withModel: boolean, statePath?: string): Record<string, unknown> {
  return {
    ...(statePath ? { backend: { type: 'local', path: statePath } } : {}),
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    ...(withModel
      ? { models: { m: { source: 'warehouse', name: 'M', query: 'select 1 as id', primary_key: 'id' } } }
      : {}),
  };
}

function cli(dir: string, args: string[], faults: Record<string, string> = {}): Promise<CliResult> {
  const preload = Object.keys(faults).length > 0 ? ` --require ${PRELOAD}` : '';
  return runCli(args, {
    cwd: dir,
    env: { ...SECRETS, ...faults, NODE_OPTIONS: `--require ${GUARD}${preload}` },
  });
}

const tempFiles = (folder: string): string[] =>
  existsSync(folder) ? readdirSync(folder).filter((f) => /\.tmp-\d+$/.test(f)) : [];

function expectClearError(r: CliResult): void {
  expect(r.code).toBe(1);
  expect(r.output).not.toContain('Backflow crashed');
  expect(r.output).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
}

test('the journal and then the final state cannot be written after a create: the create is never replaced', async () => {
  const dir = scratchDir('backflow-faults-');
  writeConfig(dir, config(false));
  expect((await cli(dir, ['apply', '-auto-approve'])).code).toBe(0);

  writeConfig(dir, config(true));
  const failed = await cli(dir, ['apply', '-auto-approve'], {
    BACKFLOW_FAULT_JOURNAL: '"address":"model.m"',
    BACKFLOW_FAULT_STATE: '1',
  });
  expectClearError(failed);
  expect(failed.output).toContain('could not write the state');
  expect(failed.output).toContain('file system is full (ENOSPC)');
  const saved = join(dir, 'errored.backflow-state.json');
  expect(failed.output).toContain(saved);
  expect(tempFiles(join(dir, '.backflow'))).toEqual([]);
  // The warehouse has the model's snapshot; the journal only says "being created".
  const journal = readFileSync(join(dir, '.backflow', 'state.json.journal'), 'utf8');
  expect(journal).toContain('"tainted":true');
  expect(JSON.parse(readFileSync(saved, 'utf8')).resources['model.m'].tainted).toBeUndefined();

  const plan = await cli(dir, ['plan', '-detailed-exitcode']);
  expect(plan.output).toContain('planning against');
  expect(plan.output).not.toContain('replace');
  expect(plan.code).toBe(0);

  const apply = await cli(dir, ['apply', '-auto-approve']);
  expect(apply.output).toContain('Restored the state an earlier apply could not write');
  expect(apply.code).toBe(0);
  expect(existsSync(saved)).toBe(false);
  const state = JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
  expect(state.resources['model.m'].tainted).toBeUndefined();
  expect((await cli(dir, ['plan', '-detailed-exitcode'])).code).toBe(0);
});

test('a state folder where every write fails (full) is a clear error, with no temp file left', async () => {
  const dir = scratchDir('backflow-faults-');
  writeConfig(dir, config(false));
  const folder = join(dir, '.backflow');
  const r = await cli(dir, ['apply', '-auto-approve'], { BACKFLOW_FAULT_ALL: folder });
  expectClearError(r);
  expect(r.output).toContain(`Cannot take the state lock in ${folder}: the file system is full (ENOSPC)`);
  expect(tempFiles(folder)).toEqual([]);
  expect(existsSync(join(folder, 'state.json.lock'))).toBe(false);
});

/** A tmpfs of `size` at a new folder, or undefined where this machine does not allow mounting. */
function mountTmpfs(size: string): string | undefined {
  const at = mkdtempSync(join(tmpdir(), 'backflow-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'ignore' });
    return at;
  } catch {
    return undefined;
  }
}

function unmount(at: string): void {
  try {
    execFileSync('umount', [at], { stdio: 'ignore' });
  } catch {
    // left for the machine to clean
  }
}

const mountable = ((): boolean => {
  const at = mountTmpfs('64k');
  if (at === undefined) return false;
  unmount(at);
  return true;
})();

(mountable ? test : test.skip)(
  'a really full and a really read-only tmpfs: clear errors, no temp file',
  async () => {
    const at = mountTmpfs('256k')!;
    try {
      const dir = scratchDir('backflow-faults-');
      const statePath = join(at, 'ws', 'state.json');
      writeConfig(dir, config(false, statePath));
      expect((await cli(dir, ['apply', '-auto-approve'])).code).toBe(0);
      // Fill the file system to the last block, then ask for a change.
      writeFileSync(join(at, 'filler'), Buffer.alloc(0));
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(at, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd stops with "No space left on device": the point
      }
      writeConfig(dir, config(true, statePath));
      const full = await cli(dir, ['apply', '-auto-approve']);
      expectClearError(full);
      expect(full.output).toMatch(/file system is full \(ENOSPC\)/);
      expect(tempFiles(join(at, 'ws'))).toEqual([]);

      execFileSync('rm', ['-f', join(at, 'filler')]);
      execFileSync('mount', ['-o', 'remount,ro', at]);
      mkdirSync(join(dir, 'x'), { recursive: true });
      const ro = await cli(dir, ['apply', '-auto-approve']);
      expectClearError(ro);
      expect(ro.output).toMatch(/file system is read-only \(EROFS\)/);
      expect(tempFiles(join(at, 'ws'))).toEqual([]);
    } finally {
      unmount(at);
    }
  },
);
