/**
 * A local repository path: read in place from its git directory at the branch, never the working tree,
 * with no clone.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { headCommit, syncRepository, type GitRemoteSpec } from '../../../src/adapters/git';
import { commitAll, createWorkRepo, git } from '../../helpers/git-repo';
import { PROJECT, removeTempDirs, tempDir, userErrorOf } from './git-fixture';

let configDir: string;
let repoDir: string;
let mainSha: string;
let releaseSha: string;

function spec(over: Partial<GitRemoteSpec> = {}): GitRemoteSpec {
  return { repository: './dbt', protocol: 'https', service: 'generic', branch: 'main', configDir, ...over };
}

beforeAll(async () => {
  configDir = tempDir('local-config');
  repoDir = join(configDir, 'dbt');
  mainSha = await createWorkRepo(repoDir, { files: PROJECT });
  await git(repoDir, ['checkout', '-q', '-b', 'release']);
  writeFileSync(join(repoDir, 'models/marts/customers.sql'), 'select 3 as customer_id\n');
  releaseSha = await commitAll(repoDir, 'release change');
  await git(repoDir, ['checkout', '-q', 'main']);
  await git(repoDir, ['gc', '-q']); // refs packed, objects in a pack: both are read
  // Uncommitted work in the working tree, which must not be seen.
  writeFileSync(join(repoDir, 'models/marts/customers.sql'), 'select 999 -- not committed\n');
  writeFileSync(join(repoDir, 'models/marts/draft.sql'), 'select 1 -- untracked\n');
});

afterAll(() => removeTempDirs());

test('reads the branch commit from .git, not the working tree, with no clone', async () => {
  const cacheDir = tempDir('cache');
  const checkout = await syncRepository(spec(), { cacheDir });
  expect(checkout).toMatchObject({ kind: 'local', commit: mainSha });
  expect(await checkout.files.read('models/marts/customers.sql')).toBe(PROJECT['models/marts/customers.sql']);
  expect(await checkout.files.list()).toEqual(Object.keys(PROJECT).sort());
  expect(readdirSync(cacheDir)).toEqual([]);
  expect(await headCommit(spec())).toBe(mainSha);
});

test('reads another branch than the one checked out; absolute paths work too', async () => {
  const checkout = await syncRepository(spec({ branch: 'release', repository: repoDir }), {
    cacheDir: tempDir('cache'),
  });
  expect(checkout.commit).toBe(releaseSha);
  expect(await checkout.files.read('models/marts/customers.sql')).toBe('select 3 as customer_id\n');
});

test('reads a bare repository, and a linked worktree through its shared git directory', async () => {
  const bare = join(tempDir('bare'), 'dbt.git');
  await git(configDir, ['clone', '-q', '--bare', repoDir, bare]);
  expect((await syncRepository(spec({ repository: bare }), { cacheDir: tempDir('cache') })).commit).toBe(
    mainSha,
  );

  const worktree = join(tempDir('worktree'), 'wt');
  await git(repoDir, ['worktree', 'add', '-q', '--detach', worktree, 'release']);
  expect(await headCommit(spec({ repository: worktree, branch: 'release' }))).toBe(releaseSha);
});

test('deltified packs (git gc --aggressive) and loose objects read back exactly as git shows them', async () => {
  const dir = join(tempDir('deltas'), 'repo');
  const body = (v: number) =>
    Array.from({ length: 400 }, (_, i) => `line ${i} of a long model, version ${i % 50 === 0 ? v : 0}`).join(
      '\n',
    );
  await createWorkRepo(dir, { files: { 'a.sql': body(0), 'b.sql': body(0).toUpperCase() } });
  for (let v = 1; v <= 6; v++) {
    writeFileSync(join(dir, 'a.sql'), body(v));
    await commitAll(dir, `v${v}`);
  }
  await git(dir, ['gc', '-q', '--aggressive']);
  writeFileSync(join(dir, 'c.sql'), 'loose'); // no trailing newline: the git helper trims output
  const head = await commitAll(dir, 'a loose commit on top');
  const checkout = await syncRepository({ ...spec(), repository: dir }, { cacheDir: tempDir('cache') });
  expect(checkout.commit).toBe(head);
  for (const path of await checkout.files.list()) {
    expect(await checkout.files.read(path)).toBe(await git(dir, ['show', `HEAD:${path}`]));
  }
  expect(await checkout.files.read('a.sql')).toBe(body(6));
});

test('a missing branch lists the local branches', async () => {
  const err = await userErrorOf(syncRepository(spec({ branch: 'mian' }), { cacheDir: tempDir('cache') }));
  expect(err.message).toBe(`Branch "mian" does not exist in Git repository ${repoDir}; did you mean "main"?`);
  expect(err.hint).toBe('Branches: main, release. Set "branch" to one of them.');
});

test('a path that is not a Git repository, or does not exist', async () => {
  const plain = tempDir('plain');
  const notRepo = await userErrorOf(headCommit(spec({ repository: plain })));
  expect(notRepo.message).toBe(`Local path ${plain} is not a Git repository (no .git in it)`);

  const inside = join(repoDir, 'models');
  const sub = await userErrorOf(headCommit(spec({ repository: inside })));
  expect(sub.hint).toBe(
    `It is inside the repository at ${repoDir}: set "repository" to that folder and "project_path" to "${relative(repoDir, inside)}".`,
  );

  const missing = await userErrorOf(headCommit(spec({ repository: './nope' })));
  expect(missing.message).toBe(`Local Git repository ${join(configDir, 'nope')} does not exist`);
});
