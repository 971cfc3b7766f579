/**
 * packages.yml resolved as `dbt deps` would, against a real Git server on loopback: a `git:` package
 * pinned to a tag, a commit, or through package-lock.yml; a hub-style version range resolved to the
 * highest matching tag; a package's own packages.yml followed (unless package-lock.yml pins all); the content-addressed package cache (a second run sends nothing); plan's rule
 * (no fetch from a non-public host, only the cache); an unreachable URL reported naming packages.yml and
 * the package, with the models that need it unresolved and every other model loaded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fetchPackage } from '../../../src/adapters/git';
import { folderFiles, loadDbtProject, type DbtCatalog } from '../../../src/adapters/dbt';
import { installPackages } from '../../../src/engine/dbt-packages';
import { startGitHttpServer, type GitHttpServer } from '../../helpers/git-http-server';
import { createServedRepo, type ServedRepo } from '../../helpers/git-repo';
import { freePort } from '../../helpers/postgres-server';
import { removeTempDirs, tempDir } from './git-fixture';

let root: string;
let server: GitHttpServer;
let pkg: ServedRepo;
const commits: Record<string, string> = {};

/** A package whose `slug` macro changed between versions, so each pin is visible in the relation. */
const version = (v: string) => ({
  'dbt_project.yml': `name: naming_kit\nversion: '${v}'\nconfig-version: 2\n`,
  'macros/slug.sql': `{% macro slug(x) %}{{ return('v${v.replace(/\./g, '')}_' ~ (x | lower)) }}{% endmacro %}`,
});

beforeAll(async () => {
  root = tempDir('pkg-root');
  pkg = await createServedRepo({ root, name: 'naming-kit.git', files: version('1.0.0') });
  commits['1.0.0'] = pkg.first;
  await pkg.git(['tag', '1.0.0']);
  commits['1.1.0'] = await pkg.commit(version('1.1.0'));
  await pkg.git(['tag', '-a', 'v1.1.0', '-m', 'release 1.1.0']);
  commits['2.0.0'] = await pkg.commit(version('2.0.0'));
  await pkg.git(['tag', '2.0.0']);
  await pkg.git(['push', '--tags', 'origin']);
  server = await startGitHttpServer({ root });
});

afterAll(async () => {
  await server.stop();
  pkg.remove();
  removeTempDirs();
});

/** A dbt project folder (not a Git repository: the loader reads any ProjectFiles). */
function projectDir(files: Record<string, string>): string {
  const dir = tempDir('project');
  const all: Record<string, string> = {
    'dbt_project.yml': "name: shop\nversion: '1.0'\nconfig-version: 2\n",
    'models/orders.sql': "{{ config(alias=naming_kit.slug('Orders')) }}\nselect 1",
    'models/plain.sql': 'select 1',
    ...files,
  };
  for (const [p, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

async function load(dir: string, cacheDir: string, anyHost = true): Promise<DbtCatalog> {
  const files = folderFiles(dir);
  const installed = await installPackages(files, '.', { cacheDir, anyHost });
  const { catalog } = await loadDbtProject(files, {
    projectPath: '.',
    defaultSchema: 'analytics',
    dbtVersion: '1.8',
    packages: installed.mounts,
  });
  catalog.warnings.unshift(...installed.warnings);
  return catalog;
}

const alias = (c: DbtCatalog, name: string) => c.models.find((m) => m.name === name)?.relation?.name;

describe('packages.yml packages fetched from Git', () => {
  it('installs a git: package pinned to a tag, to an annotated tag and to a commit', async () => {
    const url = server.url('naming-kit.git');
    const cache = tempDir('cache');
    const tag = await load(
      projectDir({ 'packages.yml': `packages:\n  - git: "${url}"\n    revision: 1.0.0\n` }),
      cache,
    );
    expect(alias(tag, 'orders')).toBe('v100_orders');
    const annotated = await load(
      projectDir({ 'packages.yml': `packages:\n  - git: "${url}"\n    revision: v1.1.0\n` }),
      cache,
    );
    expect(alias(annotated, 'orders')).toBe('v110_orders');
    const sha = await load(
      projectDir({ 'packages.yml': `packages:\n  - git: "${url}"\n    revision: ${commits['1.1.0']}\n` }),
      cache,
    );
    expect(alias(sha, 'orders')).toBe('v110_orders');
    // unpinned: the default branch's head
    const head = await load(projectDir({ 'packages.yml': `packages:\n  - git: "${url}"\n` }), cache);
    expect(alias(head, 'orders')).toBe('v200_orders');
  });

  it('prefers package-lock.yml, and reads dependencies.yml', async () => {
    const url = server.url('naming-kit.git');
    const c = await load(
      projectDir({
        'dependencies.yml': `packages:\n  - git: "${url}"\n    revision: main\n`,
        'package-lock.yml': `packages:\n  - git: "${url}/"\n    revision: ${commits['1.0.0']}\nsha1_hash: 0000\n`,
      }),
      tempDir('cache'),
    );
    expect(alias(c, 'orders')).toBe('v100_orders');
  });

  it("follows a package's own packages.yml, as dbt deps does, unless package-lock.yml pins everything", async () => {
    const naming = server.url('naming-kit.git');
    const outer = await createServedRepo({
      root,
      name: 'outer-kit.git',
      files: {
        'dbt_project.yml': "name: outer_kit\nversion: '1.0.0'\nconfig-version: 2\n",
        'packages.yml': `packages:\n  - git: "${naming}"\n    revision: 1.0.0\n`,
        'macros/wrap.sql': "{% macro wrap(x) %}{{ return('w_' ~ naming_kit.slug(x)) }}{% endmacro %}",
      },
    });
    try {
      const project = {
        'packages.yml': `packages:\n  - git: "${server.url('outer-kit.git')}"\n`,
        'models/wrapped.sql': "{{ config(alias=outer_kit.wrap('Orders')) }}\nselect 1",
      };
      const c = await load(projectDir(project), tempDir('cache'));
      expect(alias(c, 'wrapped')).toBe('w_v100_orders');
      expect(alias(c, 'orders')).toBe('v100_orders');
      expect(c.warnings.map((w) => w.message)).toEqual([]);

      // The project asks for naming-kit itself, at another version: its own request wins.
      const own = await load(
        projectDir({
          'packages.yml': `${project['packages.yml']}  - git: "${naming}/"\n    revision: v1.1.0\n`,
          'models/wrapped.sql': project['models/wrapped.sql'],
        }),
        tempDir('cache'),
      );
      expect(alias(own, 'wrapped')).toBe('w_v110_orders');

      // With package-lock.yml, what it lists is all there is (dbt deps wrote the dependencies into it).
      const locked = await load(
        projectDir({
          ...project,
          'package-lock.yml': `packages:\n  - git: "${server.url('outer-kit.git')}"\n    revision: ${outer.first}\nsha1_hash: 0000\n`,
        }),
        tempDir('cache'),
      );
      expect(alias(locked, 'wrapped')).toBeUndefined();
      expect(locked.models.find((m) => m.name === 'wrapped')?.unresolvedReason).toMatch(/naming_kit/);
    } finally {
      outer.remove();
    }
  });

  it('resolves a hub-style version range to the highest matching tag', async () => {
    const url = server.url('naming-kit.git');
    const cache = tempDir('cache');
    const net = { cacheDir: cache, network: true };
    expect((await fetchPackage({ url, versions: ['>=1.0.0', '<2.0.0'] }, net)).commit).toBe(commits['1.1.0']);
    expect((await fetchPackage({ url, versions: ['>=1.0.0'] }, net)).commit).toBe(commits['2.0.0']);
    expect((await fetchPackage({ url, versions: ['1.0.0'] }, net)).resolved).toBe('1.0.0');
    await expect(fetchPackage({ url, versions: ['>=3.0.0'] }, net)).rejects.toThrow(
      /no tag satisfying version \[">=3\.0\.0"\]/,
    );
  });

  it('caches by URL and commit: a second run of a pinned package fetches no pack', async () => {
    const url = server.url('naming-kit.git');
    const cache = tempDir('cache');
    const dir = projectDir({ 'packages.yml': `packages:\n  - git: "${url}"\n    revision: 1.0.0\n` });
    await load(dir, cache);
    const before = server.requests.length;
    const again = await load(dir, cache);
    expect(alias(again, 'orders')).toBe('v100_orders');
    const sent = server.requests.slice(before);
    // one ref listing to resolve the revision, no upload-pack (no objects)
    expect(sent.filter((r) => r.method === 'POST')).toEqual([]);
    // a commit pinned by package-lock.yml (or one hub version) is read from the cache with no request at all
    const locked = projectDir({
      'packages.yml': `packages:\n  - git: "${url}"\n    revision: 1.0.0\n`,
      'package-lock.yml': `packages:\n  - git: "${url}"\n    revision: ${commits['1.0.0']}\n`,
    });
    await load(locked, cache);
    const afterFirst = server.requests.length;
    expect(alias(await load(locked, cache), 'orders')).toBe('v100_orders');
    expect(server.requests.length).toBe(afterFirst);
  });

  it('plan fetches nothing from a non-public host: the cache an earlier run filled, else a warning', async () => {
    const url = server.url('naming-kit.git');
    const cache = tempDir('cache');
    const dir = projectDir({ 'packages.yml': `packages:\n  - git: "${url}"\n    revision: 1.0.0\n` });
    const before = server.requests.length;
    const planned = await load(dir, cache, false);
    expect(server.requests.length).toBe(before);
    expect(alias(planned, 'orders')).toBeUndefined();
    expect(alias(planned, 'plain')).toBe('plain');
    expect(planned.warnings.map((w) => w.message).join('\n')).toMatch(
      /packages\.yml line 2: package http:\/\/127\.0\.0\.1:\d+\/naming-kit\.git@1\.0\.0 is not fetched by plan: its host 127\.0\.0\.1 is not a public Git host.*apply fetches it/,
    );
    await load(dir, cache, true); // apply
    const after = server.requests.length;
    const cached = await load(dir, cache, false);
    expect(server.requests.length).toBe(after);
    expect(alias(cached, 'orders')).toBe('v100_orders');
  });

  it('reports an unreachable URL naming packages.yml and the package; other models still load', async () => {
    const port = await freePort();
    const dead = `http://127.0.0.1:${port}/gone.git`;
    const c = await load(
      projectDir({ 'packages.yml': `packages:\n  - git: "${dead}"\n    revision: 1.0.0\n` }),
      tempDir('cache'),
    );
    const warning = c.warnings.find((w) => w.file === 'packages.yml');
    expect(warning?.line).toBe(2);
    expect(warning?.message).toMatch(
      new RegExp(
        `packages\\.yml line 2: package ${dead.replace(/\./g, '\\.')}@1\\.0\\.0 cannot be fetched: .+the models that need it are unresolved`,
      ),
    );
    const orders = c.models.find((m) => m.name === 'orders')!;
    expect(orders.relation).toBeUndefined();
    expect(orders.unresolvedReason).toMatch(/"naming_kit" is not known/);
    expect(alias(c, 'plain')).toBe('plain');
  });

  it('never renders Jinja in packages.yml, and keeps local: packages inside the repository', async () => {
    const c = await load(
      projectDir({
        'packages.yml':
          'packages:\n  - git: "https://{{ env_var(\'GIT_TOKEN\') }}@example.invalid/kit.git"\n  - local: ../../outside\n  - local: libs/naming_kit\n',
        'libs/naming_kit/dbt_project.yml': "name: naming_kit\nversion: '9.0'\nconfig-version: 2\n",
        'libs/naming_kit/macros/slug.sql': "{% macro slug(x) %}{{ return('local_' ~ x) }}{% endmacro %}",
      }),
      tempDir('cache'),
    );
    const text = c.warnings.map((w) => w.message).join('\n');
    expect(text).toMatch(/line 2: an entry using Jinja \(env_var\) is not rendered/);
    expect(text).toMatch(/line 3: local package "\.\.\/\.\.\/outside" is outside the repository/);
    expect(alias(c, 'orders')).toBe('local_Orders');
  });
});
