/**
 * Group commit of the apply journal: the entries of actions that finish together are made durable by one
 * append (one write and one fdatasync on the local backend), each caller still waiting for its own line.
 */
import { join } from 'node:path';
import { LocalBackend } from '../../../src/state/local-backend';
import { SyncState } from '../../../src/state/sync-state';
import type { JournalBase, JournalEntry } from '../../../src/state/types';
import { resource, scratchDir, stateWith } from './builders';

const dir = scratchDir();
afterAll(() => dir.remove());

it('ten actions finishing together share one append, and every line survives a crash', async () => {
  const path = join(dir.path, 'group', 'state.json');
  const backend = new LocalBackend({ path });
  const base = stateWith(2, 1);
  await backend.write(base);
  const appends: number[] = [];
  const append = backend.appendJournalEntries.bind(backend);
  backend.appendJournalEntries = async (b: JournalBase, entries: readonly JournalEntry[]) => {
    appends.push(entries.length);
    return append(b, entries);
  };
  const sync = new SyncState(base, backend);
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => sync.put(`model.g${i}`, resource('model', `g${i}`))),
  );
  expect(appends).toEqual([10]);
  // Later actions get their own append once the first has finished.
  await sync.remove('model.g0');
  expect(appends).toEqual([10, 1]);
  await backend.close();

  const { state, recoveredJournalEntries } = await new LocalBackend({ path }).readWithRecovery();
  expect(recoveredJournalEntries).toBe(11);
  expect(state?.resources).toEqual(sync.close().resources);
});

it('a failed group append fails every action in it, and every later one', async () => {
  const base = stateWith(1, 1);
  let calls = 0;
  const sync = new SyncState(base, {
    appendJournal: async () => undefined,
    appendJournalEntries: async () => {
      calls++;
      throw new Error('disk full');
    },
  });
  const results = await Promise.allSettled(
    Array.from({ length: 3 }, (_, i) => sync.put(`model.f${i}`, resource('model', `f${i}`))),
  );
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  await expect(sync.put('model.late', resource('model', 'late'))).rejects.toThrow('disk full');
  await expect(sync.flush()).rejects.toThrow('disk full');
  expect(calls).toBe(1);
});
