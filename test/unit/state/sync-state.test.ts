import * as fs from 'node:fs';
import { join } from 'node:path';
import { LocalBackend } from '../../../src/state/local-backend';
import { newState } from '../../../src/state/state';
import { SyncState } from '../../../src/state/sync-state';
import type { JournalBase, JournalEntry, StateBackend, StateFile } from '../../../src/state/types';
import { resource, scratchDir, stateWith } from './builders';

const dir = scratchDir();
afterAll(() => dir.remove());

/** A journal that takes a random while per append and records whether two appends ever overlapped. */
function slowJournal(
  failOn?: number,
): Pick<StateBackend, 'appendJournal'> & { entries: JournalEntry[]; overlapped: boolean } {
  let inFlight = 0;
  const j = {
    entries: [] as JournalEntry[],
    overlapped: false,
    async appendJournal(_base: JournalBase, entry: JournalEntry): Promise<void> {
      inFlight++;
      if (inFlight > 1) j.overlapped = true;
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      inFlight--;
      if (failOn !== undefined && j.entries.length + 1 === failOn) throw new Error('disk full');
      j.entries.push(entry);
    },
  };
  return j;
}

describe('SyncState', () => {
  it('journals 200 parallel puts as 200 whole lines, all folded back after a crash', async () => {
    const path = join(dir.path, 'parallel', 'state.json');
    const backend = new LocalBackend({ path });
    const base = stateWith(5, 1);
    await backend.write(base);
    const sync = new SyncState(base, backend);
    // Ten workers at a time, as the apply walker runs, each finishing at its own pace.
    const names = Array.from({ length: 200 }, (_, i) => `p${i}`);
    const workers = Array.from({ length: 10 }, async (_, w) => {
      for (let i = w; i < names.length; i += 10) {
        await new Promise((r) => setTimeout(r, Math.random() * 2));
        await sync.put(`model.${names[i]}`, resource('model', names[i], { query: 'x'.repeat(i * 50) }));
      }
    });
    await Promise.all(workers);
    await backend.close();

    const lines = fs.readFileSync(`${path}.journal`, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(201);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();

    const { state, recoveredJournalEntries } = await new LocalBackend({ path }).readWithRecovery();
    expect(recoveredJournalEntries).toBe(200);
    expect(state?.resources).toEqual(sync.close().resources);
  });

  it('never runs two appends at once, and keeps their order', async () => {
    const journal = slowJournal();
    const sync = new SyncState(newState(), journal);
    await Promise.all([
      sync.put('model.a', resource('model', 'a')),
      sync.put('model.b', resource('model', 'b')),
      sync.remove('model.a'),
      sync.put('model.c', resource('model', 'c')),
    ]);
    expect(journal.overlapped).toBe(false);
    expect(journal.entries.map((e) => `${e.op} ${e.address}`)).toEqual([
      'put model.a',
      'put model.b',
      'delete model.a',
      'put model.c',
    ]);
  });

  it('hands out copies and keeps its own', async () => {
    const base = stateWith(1, 3);
    const sync = new SyncState(base, slowJournal());
    sync.get('model.m0')!.attributes.query = 'changed';
    expect(sync.get('model.m0')?.attributes.query).toBe('select * from t0');
    const r = resource('model', 'n');
    const done = sync.put('model.n', r);
    r.attributes.name = 'mutated after put';
    await done;
    expect(sync.get('model.n')?.attributes.name).toBe('n');
    base.resources['model.m0'].attributes.query = 'caller changed the original';
    expect(sync.get('model.m0')?.attributes.query).toBe('select * from t0');
    expect(sync.addresses()).toEqual(['model.m0', 'model.n', 'source.warehouse']);

    const result: StateFile = sync.close();
    expect(result.serial).toBe(3);
    expect(() => sync.remove('model.n')).toThrow(/after close/);
  });

  it('refuses a resource put at another address', () => {
    const sync = new SyncState(newState(), slowJournal());
    expect(() => sync.put('model.a', resource('model', 'b'))).toThrow(/internal/);
  });

  it('fails every later append once one fails, and stays true to what happened', async () => {
    const journal = slowJournal(2);
    const sync = new SyncState(newState(), journal);
    const results = await Promise.allSettled([
      sync.put('model.a', resource('model', 'a')),
      sync.put('model.b', resource('model', 'b')),
      sync.put('model.c', resource('model', 'c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    await expect(sync.flush()).rejects.toThrow('disk full');
    expect(journal.entries).toHaveLength(1);
    expect(sync.close().resources).toHaveProperty(['model.c']);
  });

  it('ends an apply with one write of serial + 1 that clears the journal', async () => {
    const path = join(dir.path, 'apply', 'state.json');
    const backend = new LocalBackend({ path });
    const sync = new SyncState(newState(), backend);
    await sync.put('source.warehouse', resource('source', 'warehouse'));
    const result = sync.close();
    await backend.write({ ...result, serial: result.serial + 1 });
    expect(fs.existsSync(`${path}.journal`)).toBe(false);
    expect(await new LocalBackend({ path }).readWithRecovery()).toMatchObject({
      state: { serial: 1, lineage: result.lineage },
      recoveredJournalEntries: 0,
    });
  });
});

describe('syncsOfModel', () => {
  /** What the index must always agree with: a walk over every address. */
  const scan = (sync: SyncState, model: string): string[] =>
    sync.addresses().filter((a) => a.startsWith('sync.') && sync.get(a)!.attributes.model === model);

  it('lists the syncs of a model, sorted, as puts and removes change them', async () => {
    const base = stateWith(1, 1);
    base.resources['sync.b'] = resource('sync', 'b', { model: 'm0' });
    base.resources['sync.a'] = resource('sync', 'a', { model: 'm0' });
    const sync = new SyncState(base, slowJournal());
    expect(sync.syncsOfModel('m0')).toEqual(['sync.a', 'sync.b']);

    await sync.put('sync.c', resource('sync', 'c', { model: 'm0' }));
    await sync.put('sync.a', resource('sync', 'a', { model: 'other' })); // moved to another model
    await sync.remove('sync.b');
    await sync.put('model.x', resource('model', 'x', { model: 'm0' })); // not a sync
    for (const model of ['m0', 'other', 'x', 'none'])
      expect(sync.syncsOfModel(model)).toEqual(scan(sync, model));
    expect(sync.syncsOfModel('m0')).toEqual(['sync.c']);
    expect(sync.syncsOfModel('other')).toEqual(['sync.a']);
  });
});

it('writes a change recorded as soon as the previous one is durable (no entry left waiting)', async () => {
  const journal = slowJournal();
  const sync = new SyncState(newState(), journal);
  // An action that finishes without I/O records its change in the same turn as the previous one resolves.
  for (let i = 0; i < 5; i++) await sync.put(`model.q${i}`, resource('model', `q${i}`));
  await sync.flush();
  expect(journal.entries.map((e) => e.address)).toEqual([
    'model.q0',
    'model.q1',
    'model.q2',
    'model.q3',
    'model.q4',
  ]);
}, 10_000);
