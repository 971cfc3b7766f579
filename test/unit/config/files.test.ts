import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { UserError } from '../../../src/errors';
import { baseConfig, cleanFixtures, fixture, load, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

describe('which files make up a configuration', () => {
  it('merges every *.backflow.json in the folder, in file-name order', async () => {
    const { sources, models, destinations, syncs } = baseConfig();
    const dir = fixture({
      'b-models.backflow.json': { models, syncs },
      'a-sources.backflow.json': { sources, destinations },
      'notes.json': '{ not config, ignored',
    });
    const state = await load(dir);
    expect(state.files).toEqual([join(dir, 'a-sources.backflow.json'), join(dir, 'b-models.backflow.json')]);
    expect([...state.resources.keys()]).toEqual([
      'source.warehouse',
      'destination.crm',
      'model.big_orders',
      'sync.orders',
    ]);
    expect(state.resources.get('model.big_orders')!.origin.file).toBe('b-models.backflow.json');
  });

  it('uses backflow.json alongside *.backflow.json files', async () => {
    const { sources, models, destinations, syncs } = baseConfig();
    const dir = fixture({
      'backflow.json': { sources, destinations },
      'more.backflow.json': { models, syncs },
    });
    const state = await load(dir);
    expect(state.files.map((f) => f.slice(dir.length + 1))).toEqual(['backflow.json', 'more.backflow.json']);
    expect(state.resources.size).toBe(4);
  });

  it('reports a resource declared in two files, naming both', async () => {
    const { sources, models, destinations, syncs } = baseConfig();
    const dir = fixture({
      'a.backflow.json': { sources, models },
      'b.backflow.json': { destinations, syncs, models },
    });
    const [d] = await problems(dir);
    expect(d.summary).toBe('model.big_orders is declared in both a.backflow.json and b.backflow.json');
    expect(d).toMatchObject({
      file: 'b.backflow.json',
      path: '$.models.big_orders',
      address: 'model.big_orders',
    });
    expect(d.line).toBeGreaterThan(1);
    expect(d.detail).toMatch(/a\.backflow\.json line \d+, column \d+/);
  });

  it('allows the backend only once across files', async () => {
    const dir = fixture({
      'a.backflow.json': { ...baseConfig(), backend: { type: 'local' } },
      'b.backflow.json': { backend: { type: 'local', path: 'x.json' } },
    });
    expect(summaries(await problems(dir))).toEqual([
      'backend is declared in both a.backflow.json and b.backflow.json',
    ]);
  });

  it('says so when the folder has no configuration', async () => {
    const dir = fixture({ 'README.md': 'nothing here' });
    const err = await loadConfig({ dir, cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toBe(`No Backflow configuration found in ${dir}`);
    expect((err as UserError).hint).toMatch(/backflow\.json/);
  });

  it('says so when the folder does not exist', async () => {
    const dir = fixture({});
    await expect(loadConfig({ dir: 'missing', cwd: dir })).rejects.toThrow(/does not exist/);
  });

  it('shows file names relative to the working directory', async () => {
    const dir = fixture({ 'conf/backflow.json': { ...baseConfig(), model: {} } });
    const err = await loadConfig({ dir: 'conf', cwd: dir, env: {} }).catch((e: unknown) => e);
    expect((err as { diagnostics: { file: string }[] }).diagnostics[0].file).toBe(
      join('conf', 'backflow.json'),
    );
  });
});

describe('configHash', () => {
  it('is stable for the same files and changes when any file changes', async () => {
    const { sources, models, destinations, syncs } = baseConfig();
    const dir = fixture({
      'a.backflow.json': { sources, destinations },
      'b.backflow.json': { models, syncs },
    });
    const first = (await load(dir)).configHash;
    expect((await load(dir)).configHash).toBe(first);

    writeFileSync(join(dir, 'b.backflow.json'), JSON.stringify({ models, syncs }, null, 4));
    const second = (await load(dir)).configHash;
    expect(second).not.toBe(first);
  });

  it('does not depend on the folder the files are in', async () => {
    const files = { 'backflow.json': baseConfig() };
    expect((await load(fixture(files))).configHash).toBe((await load(fixture(files))).configHash);
  });
});
