/**
 * With the previous load's cache, files whose content id did not change are neither read nor parsed, and
 * the result equals a full load of the same files.
 */
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderFiles, loadDbtProject, type LoadResult } from '../../../src/adapters/dbt';
import { BASE, cleanTemps, JAFFLE, memoryFiles, project, tempCopy } from './helpers';

afterEach(cleanTemps);

const OPTS = { ...BASE, projectPath: 'transform' };
/** The cache as the engine keeps it: written to disk as JSON and read back. */
const roundTrip = (r: LoadResult) => JSON.parse(JSON.stringify(r.cache));

async function fullAndIncremental(dir: string, previous: unknown) {
  const incremental = await loadDbtProject(folderFiles(dir), { ...OPTS, previous });
  const full = await loadDbtProject(folderFiles(dir), OPTS);
  return { incremental, full };
}

describe('dbt loader: incremental reloads', () => {
  it('reads every file once on the first load, and none when nothing changed', async () => {
    const dir = tempCopy(JAFFLE);
    const first = await loadDbtProject(folderFiles(dir), OPTS);
    expect(first.stats.filesReused).toBe(0);
    // 3 dbt_project.yml (root, 2 packages), .dbtignore, 16 models, 4 properties files, 1 macro file
    expect(first.stats.filesRead).toBe(25);
    const second = await loadDbtProject(folderFiles(dir), { ...OPTS, previous: roundTrip(first) });
    expect(second.stats).toEqual({ filesRead: 0, filesReused: first.stats.filesRead });
    expect(second.catalog).toEqual(first.catalog);
  });

  it.each([
    ['a model file', 'transform/models/marts/core/orders.sql', "\n{{ config(alias='orders_v9') }}\n"],
    [
      'a properties file',
      'transform/models/marts/_marts.yml',
      '  - name: important_wip\n    description: now documented\n',
    ],
    ['dbt_project.yml', 'transform/dbt_project.yml', '    +materialized: view\n'],
    [
      'a package file',
      'transform/dbt_packages/segment_extras/models/extra_events.sql',
      "\n{{ config(schema='x') }}\n",
    ],
  ])('re-reads only %s that changed, and equals a full load', async (_what, file, addition) => {
    const dir = tempCopy(JAFFLE);
    const first = await loadDbtProject(folderFiles(dir), OPTS);
    appendFileSync(join(dir, file), addition);
    const { incremental, full } = await fullAndIncremental(dir, roundTrip(first));
    expect(incremental.stats).toEqual({ filesRead: 1, filesReused: first.stats.filesRead - 1 });
    expect(incremental.catalog).toEqual(full.catalog);
    expect(incremental.cache).toEqual(full.cache);
    expect(incremental.catalog.digest).not.toBe(first.catalog.digest);
  });

  it('follows added and removed files', async () => {
    const dir = tempCopy(JAFFLE);
    const first = await loadDbtProject(folderFiles(dir), OPTS);
    writeFileSync(join(dir, 'transform/models/marts/new_model.sql'), 'select 1 as id\n');
    rmSync(join(dir, 'transform/models/marts/important_wip.sql'));
    const { incremental, full } = await fullAndIncremental(dir, roundTrip(first));
    expect(incremental.stats).toEqual({ filesRead: 1, filesReused: first.stats.filesRead - 1 });
    expect(incremental.catalog).toEqual(full.catalog);
    expect(incremental.catalog.models.map((m) => m.name)).toContain('new_model');
    expect(incremental.catalog.models.map((m) => m.name)).not.toContain('important_wip');
  });

  it('applies new options (vars, env, target) to reused files', async () => {
    const dir = tempCopy(JAFFLE);
    const first = await loadDbtProject(folderFiles(dir), OPTS);
    const opts = { ...OPTS, vars: { marts_schema: 'm2' }, env: { FINANCE_DB: 'f2' }, targetDatabase: 'db' };
    const incremental = await loadDbtProject(folderFiles(dir), { ...opts, previous: roundTrip(first) });
    const full = await loadDbtProject(folderFiles(dir), opts);
    expect(incremental.stats.filesRead).toBe(0);
    expect(incremental.catalog).toEqual(full.catalog);
  });

  it('does not re-read unchanged files of an in-memory tree, and ignores a cache it does not recognise', async () => {
    const tree = project({
      'models/a.sql': 'select 1',
      'models/b.sql': 'select 2',
      'models/p.yml': 'models:\n  - name: a\n',
    });
    const files = memoryFiles(tree);
    const first = await loadDbtProject(files, BASE);
    files.reads.length = 0;
    tree['models/b.sql'] = "{{ config(alias='bee') }} select 2";
    const second = await loadDbtProject(files, { ...BASE, previous: roundTrip(first) });
    expect(files.reads).toEqual(['models/b.sql']);
    expect(second.catalog.models.find((m) => m.name === 'b')?.relation?.name).toBe('bee');
    const stale = await loadDbtProject(files, { ...BASE, previous: { format: 'something-else', files: {} } });
    expect(stale.stats.filesReused).toBe(0);
    const garbage = await loadDbtProject(files, { ...BASE, previous: 'not a cache' });
    expect(garbage.catalog).toEqual(second.catalog);
  });

  it('reports a broken file again on the next load', async () => {
    const tree = project({
      'models/a.sql': 'select 1',
      'models/p.yml': 'models:\n  - name: a\n   bad: indent\n',
    });
    const files = memoryFiles(tree);
    const reason = (r: { catalog: { models: { unresolvedReason?: string }[] } }) =>
      r.catalog.models[0].unresolvedReason;
    expect(reason(await loadDbtProject(files, BASE))).toMatch(/invalid YAML/);
    tree['models/p.yml'] = 'models:\n  - name: a\n';
    const ok = await loadDbtProject(files, BASE);
    expect(reason(ok)).toBeUndefined();
    tree['models/p.yml'] = 'models:\n  - name: a\n   bad: indent\n';
    const again = await loadDbtProject(files, { ...BASE, previous: roundTrip(ok) });
    expect(reason(again)).toMatch(/invalid YAML/);
    expect(reason(await loadDbtProject(files, { ...BASE, previous: roundTrip(again) }))).toMatch(
      /invalid YAML/,
    );
  });
});

describe('dbt loader: what a cached model depends on', () => {
  it('resolves again when a new package makes a vars key package-scoped', async () => {
    const tree = {
      'dbt_project.yml':
        "name: shop\nvars:\n  extras:\n    x: 1\nmodels:\n  shop:\n    +alias: \"{{ var('extras', 'none') }}_t\"\n",
      'models/a.sql': 'select 1',
    };
    const files = memoryFiles(tree);
    const first = await loadDbtProject(files, BASE);
    expect(first.catalog.models[0].relation?.name).toBe("{'x': 1}_t"); // a global var holding a mapping
    Object.assign(tree, { 'dbt_packages/extras/dbt_project.yml': 'name: extras\n' });
    const second = await loadDbtProject(files, { ...BASE, previous: roundTrip(first) });
    const full = await loadDbtProject(memoryFiles(tree), BASE);
    expect(second.catalog).toEqual(full.catalog);
    expect(second.catalog.models[0].relation?.name).toBe('none_t'); // now scoped to package extras
  });

  it('resolves again when an env var the project read changes, and only then', async () => {
    const tree = project({
      'models/a.sql': "{{ config(schema=env_var('S', 'dflt')) }} select 1",
      'models/b.sql': 'select 1',
    });
    const first = await loadDbtProject(memoryFiles(tree), { ...BASE, env: { S: 'one', OTHER: 'x' } });
    const same = await loadDbtProject(memoryFiles(tree), {
      ...BASE,
      env: { S: 'one', OTHER: 'y' },
      previous: roundTrip(first),
    });
    expect(same.catalog.digest).toBe(first.catalog.digest);
    const changed = await loadDbtProject(memoryFiles(tree), {
      ...BASE,
      env: { S: 'two' },
      previous: roundTrip(first),
    });
    expect(changed.catalog.models.find((m) => m.name === 'a')?.relation?.schema).toBe('analytics_two');
  });

  it('keeps the digest when a change is invisible (a SQL comment), and changes it otherwise', async () => {
    const tree = project({ 'models/a.sql': 'select 1' });
    const first = await loadDbtProject(memoryFiles(tree), BASE);
    tree['models/a.sql'] = 'select 1 -- a comment';
    const second = await loadDbtProject(memoryFiles(tree), { ...BASE, previous: roundTrip(first) });
    expect(second.stats.filesRead).toBe(1);
    expect(second.catalog.digest).toBe(first.catalog.digest);
  });
});

describe('folderFiles', () => {
  it('reports a folder that does not exist as a DbtLoadError', async () => {
    await expect(loadDbtProject(folderFiles('/nonexistent/dbt'), BASE)).rejects.toThrow(
      expect.objectContaining({ name: 'DbtLoadError', message: '/nonexistent/dbt is not a folder' }),
    );
  });
});
