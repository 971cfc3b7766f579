import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

describe.each([
  ['config types', 'generate-types.js'],
  ['precompiled config validator', 'generate-validators.js'],
])('generated %s', (_what, script) => {
  it('are up to date with schemas/ (npm run generate:types)', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', script), '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
