/**
 * folderFiles' listing of a local repository: the whole folder, or with `under` only the named folders
 * (the loader passes its project's folder and local packages, so a monorepo's other projects are not
 * walked on every reload); a `..` never leads out of the folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { folderFiles, loadDbtProject } from '../../../src/adapters/dbt';

let repo: string;
let outside: string;

beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), 'backflow-folder-files-'));
  repo = join(outside, 'repo');
  const files: Record<string, string> = {
    'README.md': 'monorepo',
    'projects/shop/dbt_project.yml': "name: shop\nversion: '1.0'\nconfig-version: 2\n",
    'projects/shop/packages.yml': 'packages:\n  - local: ../../shared/kit\n',
    'projects/shop/models/orders.sql': "{{ config(alias=kit.name_for('Orders')) }}\nselect 1",
    'projects/other/dbt_project.yml': "name: other\nversion: '1.0'\nconfig-version: 2\n",
    'projects/other/models/x.sql': 'select 1',
    'shared/kit/dbt_project.yml': "name: kit\nversion: '1.0'\nconfig-version: 2\n",
    'shared/kit/macros/name_for.sql':
      "{% macro name_for(x) %}{{ return('kit_' ~ (x | lower)) }}{% endmacro %}",
    '../secret.txt': 'outside the repository',
  };
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, p)), { recursive: true });
    writeFileSync(join(repo, p), text);
  }
});

afterAll(() => rmSync(outside, { recursive: true, force: true }));

it('lists the whole folder, or only the folders asked for', async () => {
  const files = folderFiles(repo);
  expect(await files.list()).toContain('projects/other/models/x.sql');
  expect(await files.list(['.'])).toEqual(await files.list());
  expect(await files.list(['projects/shop', 'shared/kit', 'projects/shop/models'])).toEqual([
    'projects/shop/dbt_project.yml',
    'projects/shop/models/orders.sql',
    'projects/shop/packages.yml',
    'shared/kit/dbt_project.yml',
    'shared/kit/macros/name_for.sql',
  ]);
  expect(await files.list(['projects/missing'])).toEqual([]);
  expect(await files.list(['..', 'projects/../..', './projects/other'])).toEqual([
    'projects/other/dbt_project.yml',
    'projects/other/models/x.sql',
  ]);
});

it('loads a project of a monorepo, with a local package outside its folder, from the scoped listing', async () => {
  const files = folderFiles(repo);
  const listed: (readonly string[] | undefined)[] = [];
  const list = files.list.bind(files);
  files.list = (under) => {
    listed.push(under);
    return list(under);
  };
  const { catalog } = await loadDbtProject(files, {
    projectPath: 'projects/shop',
    defaultSchema: 'analytics',
    dbtVersion: '1.8',
    packages: [{ label: 'packages.yml line 2: local package shared/kit', files, root: 'shared/kit' }],
  });
  expect(catalog.models.find((m) => m.name === 'orders')?.relation?.name).toBe('kit_orders');
  // Every listing the load made was scoped to the project and its local package.
  expect(listed.length).toBeGreaterThan(0);
  for (const under of listed) expect(under).toEqual(['projects/shop', 'shared/kit']);
});

it('still names the projects the repository has when the project path holds none', async () => {
  const err = (await loadDbtProject(folderFiles(repo), {
    projectPath: 'projects/nope',
    defaultSchema: 'a',
    dbtVersion: '1.8',
  }).catch((e: unknown) => e)) as Error & { hint?: string };
  expect(err.message).toBe('project_path "projects/nope" does not exist in the repository');
  // The hint names the projects found anywhere in the repository, not only in the scoped listing.
  expect(err.hint).toContain('"projects/other"');
  expect(err.hint).toContain('"projects/shop"');
  expect(err.hint).toContain('"shared/kit"');
});
