/**
 * The Git adapter over real smart HTTP: `git http-backend` behind a loopback server that checks Basic
 * credentials the way each hosted service's token convention sends them.
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { headCommit, syncRepository, type GitRemoteSpec, type GitService } from '../../../src/adapters/git';
import { startGitHttpServer, type GitHttpServer } from '../../helpers/git-http-server';
import { createServedRepo, git, type ServedRepo } from '../../helpers/git-repo';
import { freePort } from '../../helpers/postgres-server';
import {
  PROJECT,
  captureOutput,
  expectNoSecrets,
  removeTempDirs,
  seenMessages,
  tempDir,
  userErrorOf,
} from './git-fixture';

const TOKEN = 'ghp_TestToken_5f3a9c1e7b2d4068';
let root: string;
let server: GitHttpServer;
let repo: ServedRepo;
const output = captureOutput();

function spec(over: Partial<GitRemoteSpec> = {}): GitRemoteSpec {
  return {
    repository: server.url('shop.git'),
    protocol: 'https',
    service: 'github',
    branch: 'main',
    configDir: root,
    credentials: { token: TOKEN },
    ...over,
  };
}

beforeAll(async () => {
  root = tempDir('http-root');
  repo = await createServedRepo({
    root,
    name: 'shop.git',
    files: PROJECT,
    branches: ['release', 'feature/new-mart'],
  });
  server = await startGitHttpServer({ root });
});

afterAll(async () => {
  await server.stop();
  repo.remove();
  output.restore();
  expectNoSecrets([...seenMessages, ...output.chunks], [TOKEN, 'wrong-token-value-0042']);
  removeTempDirs();
});

const conventions: [GitService, string][] = [
  ['github', 'x-access-token'],
  ['gitlab', 'oauth2'],
  ['bitbucket', 'x-token-auth'],
  ['azure_devops', '*'],
  ['generic', 'git'],
];

test.each(conventions)(
  '%s: clones with the service token convention (username %s)',
  async (service, username) => {
    server.setAuth({ username, password: TOKEN });
    try {
      const before = server.requests.length;
      const checkout = await syncRepository(spec({ service }), { cacheDir: tempDir('cache') });
      expect(checkout.kind).toBe('clone');
      expect(checkout.commit).toBe(repo.first);
      expect(await checkout.files.read('dbt_project.yml')).toBe(PROJECT['dbt_project.yml']);
      // Credentials go with the first request: no anonymous attempt, no 401 round trip.
      const mine = server.requests.slice(before);
      expect(mine.map((r) => r.status)).toEqual([200, 200]);
      if (username !== '*') expect(mine.every((r) => r.user === username)).toBe(true);
    } finally {
      server.setAuth(undefined);
    }
  },
);

test('the checkout reads the tree at the commit: list, read, blob ids; no working tree is written', async () => {
  const cacheDir = tempDir('cache');
  const checkout = await syncRepository(spec(), { cacheDir });
  expect(await checkout.files.list()).toEqual(Object.keys(PROJECT).sort());
  expect(await checkout.files.read('./models/marts/customers.sql')).toBe(
    PROJECT['models/marts/customers.sql'],
  );
  expect(await checkout.files.id('models/staging/schema.yml')).toBe(
    await git(repo.work, ['rev-parse', `${repo.first}:models/staging/schema.yml`]),
  );
  await expect(checkout.files.read('models/nope.sql')).rejects.toMatchObject({ code: 'ENOENT' });
  // One bare repository in the cache, shallow, with no checked-out files.
  const [cached] = readdirSync(cacheDir);
  expect(cached).toMatch(/\.git$/);
  expect(existsSync(join(cacheDir, cached, 'shallow'))).toBe(true);
  expect(existsSync(join(cacheDir, cached, 'dbt_project.yml'))).toBe(false);
  expect(checkout.stats.objectsFetched).toBe(Object.keys(PROJECT).length + 5); // blobs + 4 trees + commit
  // The token is sent, never stored: no file of the cache holds it.
  const all = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? all(join(dir, e.name)) : [join(dir, e.name)],
    );
  for (const f of all(cacheDir)) expect(readFileSync(f, 'latin1')).not.toContain(TOKEN);
});

test('incremental sync: a new commit fetches only its new objects; an unchanged head fetches nothing', async () => {
  const cacheDir = tempDir('cache');
  const progress: string[] = [];
  const first = await syncRepository(spec(), { cacheDir, onProgress: (p) => progress.push(p.phase) });
  expect(first.kind).toBe('clone');
  expect(progress).toContain('Connecting');

  const sha = await repo.commit(
    { 'models/marts/customers.sql': 'select 2 as customer_id\n' },
    'customers v2',
  );
  const second = await syncRepository(spec(), { cacheDir });
  expect(second.kind).toBe('fetch');
  expect(second.commit).toBe(sha);
  // The commit, the root tree, models/, models/marts/ and the changed blob: nothing else.
  expect(second.stats.objectsFetched).toBe(5);
  expect(second.stats.bytesFetched).toBeLessThan(first.stats.bytesFetched!);
  expect(await second.files.read('models/marts/customers.sql')).toBe('select 2 as customer_id\n');
  // Unchanged files keep their blob ids, so a reload re-reads only what changed.
  expect(await second.files.id('models/staging/stg_orders.sql')).toBe(
    await first.files.id('models/staging/stg_orders.sql'),
  );
  expect(await second.files.id('models/marts/customers.sql')).not.toBe(
    await first.files.id('models/marts/customers.sql'),
  );

  const before = server.requests.length;
  const third = await syncRepository(spec(), { cacheDir });
  expect(third).toMatchObject({ kind: 'fetch', commit: sha, stats: { objectsFetched: 0 } });
  expect(server.requests.slice(before).map((r) => r.method)).toEqual(['GET']); // ls-remote only
  expect(await third.files.read('models/marts/customers.sql')).toBe('select 2 as customer_id\n');
});

test('a one-line change to a big file arrives as a delta against the cached blob (thin pack) and reads back exactly', async () => {
  const big =
    Array.from({ length: 2000 }, (_, i) => `  , column_${i} as c${i} -- ${'x'.repeat(i % 40)}`).join('\n') +
    '\n';
  await repo.commit({ 'models/marts/wide.sql': `select 1\n${big}` }, 'wide model');
  const cacheDir = tempDir('cache');
  await syncRepository(spec(), { cacheDir });
  const changed = `select 2\n${big}`;
  await repo.commit({ 'models/marts/wide.sql': changed }, 'wide model v2');
  const next = await syncRepository(spec(), { cacheDir });
  expect(next.stats.bytesFetched).toBeLessThan(2000); // the blob alone is ~90 KB: a delta came
  expect(await next.files.read('models/marts/wide.sql')).toBe(changed);
});

test('a damaged cache (its packs gone) is cloned afresh', async () => {
  const cacheDir = tempDir('cache');
  await syncRepository(spec(), { cacheDir });
  const packDir = join(cacheDir, readdirSync(cacheDir)[0], 'objects', 'pack');
  for (const f of readdirSync(packDir)) rmSync(join(packDir, f));
  const sha = await repo.commit({ 'README.md': '# shop, again\n' }, 'readme');
  const again = await syncRepository(spec(), { cacheDir });
  expect(again).toMatchObject({ kind: 'clone', commit: sha });
  expect(await again.files.read('README.md')).toBe('# shop, again\n');
});

test('headCommit reads the branch head with one request and fetches no objects', async () => {
  const before = server.requests.length;
  const head = await headCommit(spec({ branch: 'release' }));
  expect(head).toBe(repo.first);
  expect(server.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
    'GET /shop.git/info/refs?service=git-upload-pack',
  ]);
});

test('a wrong token: says which convention was sent and how to check the scopes, never the token', async () => {
  server.setAuth({ username: 'oauth2', password: TOKEN });
  try {
    const err = await userErrorOf(
      syncRepository(spec({ service: 'gitlab', credentials: { token: 'wrong-token-value-0042' } }), {
        cacheDir: tempDir('cache'),
      }),
    );
    expect(err.message).toContain('refused the token (HTTP 401');
    expect(err.message).toContain('username "oauth2"');
    expect(err.hint).toContain('read_repository');
    expect(`${err.message} ${err.hint}`).not.toContain('wrong-token-value-0042');

    const none = await userErrorOf(headCommit(spec({ service: 'gitlab', credentials: {} })));
    expect(none.message).toContain('needs credentials (HTTP 401): no token is configured');
  } finally {
    server.setAuth(undefined);
  }
});

test('a missing branch lists the branches that exist, with a suggestion', async () => {
  const err = await userErrorOf(syncRepository(spec({ branch: 'relase' }), { cacheDir: tempDir('cache') }));
  expect(err.message).toBe(
    `Branch "relase" does not exist in Git repository ${server.url('shop.git')}; did you mean "release"?`,
  );
  expect(err.hint).toBe('Branches: feature/new-mart, main, release. Set "branch" to one of them.');
});

test('a repository the server does not have is a 404 with what to check', async () => {
  const err = await userErrorOf(headCommit(spec({ repository: server.url('nope.git') })));
  expect(err.message).toBe(`Git repository ${server.url('nope.git')} not found (HTTP 404)`);
});

test('an unreachable server: connection refused', async () => {
  const port = await freePort();
  const err = await userErrorOf(
    syncRepository(spec({ repository: `http://127.0.0.1:${port}/shop.git` }), { cacheDir: tempDir('cache') }),
  );
  expect(err.message).toBe(
    `Cannot reach the Git repository http://127.0.0.1:${port}/shop.git: connection refused (ECONNREFUSED)`,
  );
});

test('config mistakes: a token in the URL, plain http off loopback, protocol mismatch', async () => {
  const inUrl = await userErrorOf(
    headCommit(spec({ repository: `https://x-access-token:${TOKEN}@github.com/acme/dbt.git` })),
  );
  expect(inUrl.message).toBe(
    'git_sync repository https://***@github.com/acme/dbt.git has a password or token in the URL',
  );

  const plain = await userErrorOf(headCommit(spec({ repository: 'http://git.example.com/acme/dbt.git' })));
  expect(plain.message).toContain('refusing to send the token over plain http to git.example.com');

  const mismatch = await userErrorOf(headCommit(spec({ repository: 'git@github.com:acme/dbt.git' })));
  expect(mismatch.message).toBe(
    'git_sync repository git@github.com:acme/dbt.git is an SSH URL but protocol is "https"',
  );
});

test('a redirect to another port: the token reaches the configured origin only, never the other one', async () => {
  // The configured repository answers every request with a 302 to the real Git server on another port
  // (which serves without authentication, and records any Basic credentials it is given).
  const other = await startGitHttpServer({ root });
  const sentToOrigin: (string | undefined)[] = [];
  const front = createServer((req, res) => {
    sentToOrigin.push(req.headers.authorization);
    // 307 keeps the method, so the upload-pack POST follows too (a 302 turns it into a GET).
    res.writeHead(req.method === 'GET' ? 302 : 307, { Location: `http://127.0.0.1:${other.port}${req.url}` });
    res.end();
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  const port = (front.address() as { port: number }).port;
  try {
    const checkout = await syncRepository(spec({ repository: `http://127.0.0.1:${port}/shop.git` }), {
      cacheDir: tempDir('cache'),
    });
    expect(checkout.commit).toBe(await git(repo.bare, ['rev-parse', 'refs/heads/main']));
    expect(sentToOrigin.length).toBeGreaterThan(0);
    expect(sentToOrigin.every((h) => h !== undefined && h.startsWith('Basic '))).toBe(true);
    expect(other.requests.length).toBeGreaterThan(0);
    expect(other.requests.map((r) => r.user)).toEqual(other.requests.map(() => undefined));
  } finally {
    await new Promise((r) => front.close(r));
    await other.stop();
  }
});
