/**
 * A Git server that dies mid-transfer (the loopback smart-HTTP server cuts the pack response): the sync
 * fails with a message saying so, the cache does not move to the commit, and the next sync starts over and
 * succeeds — a transfer counts only when every object of the tip tree is present.
 */
import { randomBytes } from 'node:crypto';
import { syncRepository, type GitRemoteSpec } from '../../../src/adapters/git';
import { startGitHttpServer, type GitHttpServer } from '../../helpers/git-http-server';
import { createServedRepo, type ServedRepo } from '../../helpers/git-repo';
import { PROJECT, removeTempDirs, tempDir, userErrorOf } from './git-fixture';

let root: string;
let server: GitHttpServer;
let repo: ServedRepo;

// Incompressible content, so the pack is large enough to be cut in the middle of a blob.
const BIG = (n: number) => `-- ${randomBytes(n).toString('base64')}\n`;

function spec(): GitRemoteSpec {
  return {
    repository: server.url('shop.git'),
    protocol: 'https',
    service: 'generic',
    branch: 'main',
    configDir: root,
    credentials: {},
  };
}

beforeAll(async () => {
  root = tempDir('http-root');
  repo = await createServedRepo({
    root,
    name: 'shop.git',
    files: { ...PROJECT, 'models/big_a.sql': BIG(60_000), 'models/big_b.sql': BIG(60_000) },
  });
  server = await startGitHttpServer({ root });
});

afterAll(async () => {
  await server.stop();
  repo.remove();
  removeTempDirs();
});

test.each([
  ['the connection reset', false],
  ['the response ended early', true],
])('a clone cut mid-transfer (%s) fails, and the next sync clones again', async (_how, end) => {
  const cacheDir = tempDir('cache');
  server.cutNextPack(40_000, { end });
  const err = await userErrorOf(syncRepository(spec(), { cacheDir }));
  expect(server.requests.some((r) => r.cut)).toBe(true);
  expect(err.message).toMatch(/shop\.git/);
  expect(`${err.message} ${err.hint ?? ''}`).toMatch(
    end ? /transfer from .*shop\.git was incomplete/ : /connection reset/,
  );
  const again = await syncRepository(spec(), { cacheDir });
  expect(again.kind).toBe('clone');
  expect(again.commit).toBe(repo.first);
  expect(await again.files.read('models/big_b.sql')).toHaveLength(BIG(60_000).length);
});

test.each([
  ['the connection reset', false],
  ['the response ended early', true],
])(
  'a fetch cut mid-transfer (%s) fails without moving the cache, and the next sync fetches it',
  async (_how, end) => {
    const cacheDir = tempDir('cache');
    const first = await syncRepository(spec(), { cacheDir });
    expect(first.kind).toBe('clone');
    const next = await repo.commit({ 'models/big_c.sql': BIG(80_000), 'models/small.sql': 'select 2' });
    server.cutNextPack(30_000, { end });
    const before = server.requests.length;
    const err = await userErrorOf(syncRepository(spec(), { cacheDir }));
    expect(server.requests.slice(before).some((r) => r.cut)).toBe(true);
    expect(err.message).toMatch(end ? /transfer from .*shop\.git was incomplete/ : /connection reset/);
    const again = await syncRepository(spec(), { cacheDir });
    expect(again.commit).toBe(next);
    expect(again.commit).not.toBe(first.commit);
    expect(await again.files.read('models/small.sql')).toBe('select 2');
    expect(await again.files.read('models/big_c.sql')).toHaveLength(BIG(80_000).length);
  },
);
