/**
 * The test suite every StateBackend passes, written once. A backend's test file calls
 * `describeBackendSuite(name, makeFixture)`; `makeFixture` gives fresh, empty storage per test.
 */
import { StateLockedError, UserError } from '../../../src/errors';
import { BACKFLOW_VERSION } from '../../../src/version';
import { newState, serializeState } from '../../../src/state/state';
import type { JournalEntry, StateBackend, StateFile } from '../../../src/state/types';
import { resource, stateWith } from './builders';

export interface BackendFixture {
  /** A backend over this fixture's storage. Each call is a new instance, as another process would be. */
  open(options?: { lockTimeoutMs?: number }): StateBackend;
  /** Replaces the stored state with raw text, bypassing the backend (corruption, other versions). */
  writeRawState(text: string): Promise<void>;
  /** The stored backup of the previous state as text; null when there is none. */
  readRawBackup(): Promise<string | null>;
  /** Appends raw text to the stored journal (a crash mid-append leaves a line with no newline). */
  appendRawJournal(text: string): Promise<void>;
  dispose(): Promise<void>;
}

/** Message and hint together: what a user reads. */
export function shown(err: unknown): string {
  const e = err as UserError;
  return `${e.message}\n${e.hint ?? ''}`;
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function describeBackendSuite(name: string, makeFixture: () => Promise<BackendFixture>): void {
  describe(`${name} backend (shared suite)`, () => {
    let fixture: BackendFixture;
    const opened: StateBackend[] = [];
    const open = (options?: { lockTimeoutMs?: number }): StateBackend => {
      const b = fixture.open(options);
      opened.push(b);
      return b;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      for (const b of opened.splice(0)) await b.close();
      await fixture.dispose();
    });

    describe('storage', () => {
      it('reads nothing from empty storage', async () => {
        const b = open();
        expect(await b.read()).toBeNull();
        expect(await b.readWithRecovery()).toEqual({ state: null, recoveredJournalEntries: 0 });
      });

      it('round-trips a state, keeping lineage, serial and salt and stamping the writer version', async () => {
        const state = stateWith(3, 1);
        state.resources['sync.s'] = { ...resource('sync', 's'), paused_by: 'model.m0' };
        await open().write(state);
        const back = await open().read();
        expect(back).toEqual({ ...state, backflow_version: BACKFLOW_VERSION });
        expect(back?.lineage).toBe(state.lineage);
        expect(back?.serial).toBe(1);
        expect(back?.salt).toBe(state.salt);
      });

      it('keeps the previous state as a backup', async () => {
        const b = open();
        const first = stateWith(1, 1);
        await b.write(first);
        expect(await fixture.readRawBackup()).toBeNull();
        await b.write(stateWith(2, 2, first));
        const backup = JSON.parse((await fixture.readRawBackup()) ?? 'null') as StateFile;
        expect(backup.serial).toBe(1);
        expect(Object.keys(backup.resources)).toHaveLength(2);
        expect((await b.read())?.serial).toBe(2);
      });

      it('refuses to go back in serial or to overwrite another lineage', async () => {
        const b = open();
        const s = stateWith(1, 2);
        await b.write(s);
        expect(shown(await caught(b.write({ ...s, serial: 2 })))).toMatch(/already at serial 2/);
        expect(shown(await caught(b.write({ ...newState(), serial: 3 })))).toMatch(/lineage/);
      });

      it('names the backup when the state is corrupt', async () => {
        const b = open();
        const s = stateWith(1, 1);
        await b.write(s);
        await b.write({ ...s, serial: 2 });
        await fixture.writeRawState('{"format_version": 1, "lin');
        const err = await caught(open().read());
        expect(err).toBeInstanceOf(UserError);
        expect(shown(err)).toMatch(/corrupt/);
        expect(shown(err)).toMatch(/backup/);
      });

      it('asks for an upgrade when a newer Backflow wrote the state', async () => {
        await fixture.writeRawState(
          JSON.stringify({ format_version: 99, backflow_version: '9.9.9', lineage: 'x', new_shape: true }),
        );
        const err = await caught(open().read());
        expect(err).toBeInstanceOf(UserError);
        expect((err as Error).message).toMatch(
          new RegExp(
            `written by Backflow 9\\.9\\.9 \\(format 99\\); this is Backflow ${escape(BACKFLOW_VERSION)}.*upgrade`,
          ),
        );
      });
    });

    describe('locking', () => {
      it('excludes a second locker and names the holder', async () => {
        const held = await open().lock('apply');
        const err = await caught(open().lock('plan'));
        expect(err).toBeInstanceOf(StateLockedError);
        const text = shown(err);
        expect(text).toMatch(/Error acquiring the state lock/);
        expect(text).toContain(held.info.id);
        expect(text).toContain('apply');
        expect(text).toContain(held.info.created);
        expect(text).toContain(`(pid ${process.pid})`);
        expect(text).toContain(`backflow force-unlock ${held.info.id}`);
        // CI has no terminal for force-unlock's question: the hint names the flag that skips it.
        expect(text).toContain(`(CI): backflow force-unlock -force ${held.info.id}`);
        await held.release();
      });

      it('is free again once released, and a second release is harmless', async () => {
        const held = await open().lock('apply');
        await held.release();
        await held.release();
        const again = await open().lock('apply');
        expect(again.info.id).not.toBe(held.info.id);
        await again.release();
      });

      it('never releases a lock that has passed to someone else', async () => {
        const first = await open().lock('apply');
        await open().forceUnlock(first.info.id);
        const second = await open().lock('apply');
        await first.release();
        await expect(open().lock('plan')).rejects.toBeInstanceOf(StateLockedError);
        await second.release();
      });

      it('force-unlocks with the right id only', async () => {
        const held = await open().lock('apply');
        const wrong = await caught(open().forceUnlock('not-the-id'));
        expect(wrong).toBeInstanceOf(UserError);
        expect(shown(wrong)).toContain(held.info.id);
        await open().forceUnlock(held.info.id);
        const next = await open().lock('plan');
        await next.release();
        expect(shown(await caught(open().forceUnlock(held.info.id)))).toMatch(/No lock/);
      });

      it('waits for the lock up to the timeout and gets it when it is released', async () => {
        const held = await open().lock('apply');
        setTimeout(() => void held.release(), 300);
        const waited = await open({ lockTimeoutMs: 5000 }).lock('plan');
        expect(waited.info.operation).toBe('plan');
        await waited.release();
      });

      it('gives up after the timeout', async () => {
        const held = await open().lock('apply');
        await expect(open({ lockTimeoutMs: 250 }).lock('plan')).rejects.toBeInstanceOf(StateLockedError);
        await held.release();
      });
    });

    describe('journal', () => {
      const put = (n: string): JournalEntry => ({
        op: 'put',
        address: `model.${n}`,
        resource: resource('model', n),
      });

      it('folds the journal of a crashed apply into the state it was made against', async () => {
        const base = stateWith(2, 1);
        await open().write(base);
        const crashed = open();
        await crashed.appendJournal(base, put('new1'));
        await crashed.appendJournal(base, { op: 'delete', address: 'model.m0' });
        await crashed.appendJournal(base, put('new2'));
        // No write: the process died here. Another one reads.
        const { state, recoveredJournalEntries } = await open().readWithRecovery();
        expect(recoveredJournalEntries).toBe(3);
        expect(state?.serial).toBe(1);
        expect(Object.keys(state?.resources ?? {}).sort()).toEqual(
          ['model.m1', 'model.new1', 'model.new2', 'source.warehouse'].sort(),
        );
      });

      it('clears the journal on the next write', async () => {
        const base = stateWith(1, 1);
        await open().write(base);
        const b = open();
        await b.appendJournal(base, put('x'));
        const recovered = (await open().read()) as StateFile;
        await open().write({ ...recovered, serial: 2 });
        expect(await open().readWithRecovery()).toMatchObject({ recoveredJournalEntries: 0 });
        expect((await open().read())?.resources['model.x']).toBeDefined();
      });

      it('continues a recovered journal when the next apply runs against the same state', async () => {
        const base = stateWith(0, 1);
        await open().write(base);
        await open().appendJournal(base, put('a'));
        const recovered = (await open().read()) as StateFile;
        await open().appendJournal(recovered, put('b'));
        const { state, recoveredJournalEntries } = await open().readWithRecovery();
        expect(recoveredJournalEntries).toBe(2);
        expect(state?.resources['model.a']).toBeDefined();
        expect(state?.resources['model.b']).toBeDefined();
      });

      it('recovers the first apply of a workspace, with the new state lineage and salt', async () => {
        const fresh = newState();
        await open().appendJournal(fresh, put('a'));
        const { state, recoveredJournalEntries } = await open().readWithRecovery();
        expect(recoveredJournalEntries).toBe(1);
        expect(state).toMatchObject({ lineage: fresh.lineage, salt: fresh.salt, serial: 0 });
        expect(Object.keys(state?.resources ?? {})).toEqual(['model.a']);
        await open().write({ ...(state as StateFile), serial: 1 });
        expect((await open().read())?.serial).toBe(1);
      });

      it('ignores a torn last line, and appends cleanly after it', async () => {
        const base = stateWith(0, 1);
        await open().write(base);
        await open().appendJournal(base, put('a'));
        await fixture.appendRawJournal('{"op":"put","address":"model.b","reso');
        expect(await open().readWithRecovery()).toMatchObject({ recoveredJournalEntries: 1 });
        await open().appendJournal(base, put('c'));
        const { state, recoveredJournalEntries } = await open().readWithRecovery();
        expect(recoveredJournalEntries).toBe(2);
        expect(Object.keys(state?.resources ?? {}).sort()).toEqual([
          'model.a',
          'model.c',
          'source.warehouse',
        ]);
      });

      it('refuses a journal that belongs to another state', async () => {
        const base = stateWith(1, 1);
        await open().write(base);
        await open().appendJournal(base, put('a'));
        await fixture.writeRawState(serializeState(stateWith(1, 1)));
        const err = await caught(open().read());
        expect(err).toBeInstanceOf(UserError);
        expect(shown(err)).toMatch(/does not belong/);
        expect(shown(err)).toContain(base.lineage);
        await expect(open().appendJournal(stateWith(0, 1), put('b'))).rejects.toBeInstanceOf(UserError);
      });

      it('ignores a journal already folded into a newer serial (crash between write and journal removal)', async () => {
        const base = stateWith(0, 1);
        await open().write(base);
        await open().appendJournal(base, put('a'));
        const folded = (await open().read()) as StateFile;
        await fixture.writeRawState(serializeState({ ...folded, serial: 2 }));
        const { state, recoveredJournalEntries } = await open().readWithRecovery();
        expect(recoveredJournalEntries).toBe(0);
        expect(state?.serial).toBe(2);
        // And the next apply starts a journal of its own.
        await open().appendJournal(state as StateFile, put('b'));
        expect(await open().readWithRecovery()).toMatchObject({ recoveredJournalEntries: 1 });
      });

      it('writes as many bytes per action whether the state holds 10 or 5,000 resources', async () => {
        const perEntry = async (size: number, serial: number, lineageOf?: StateFile): Promise<number[]> => {
          const b = open();
          const state = stateWith(size, serial, lineageOf);
          await b.write(state);
          const start = b.bytesWritten.journal;
          await b.appendJournal(state, put('first')); // opens the journal: includes its header
          const sizes: number[] = [];
          for (const n of ['x', 'y', 'x']) {
            const before = b.bytesWritten.journal;
            await b.appendJournal(state, put(n));
            sizes.push(b.bytesWritten.journal - before);
          }
          expect(b.bytesWritten.journal - start).toBeGreaterThan(sizes[0] * 3);
          return sizes;
        };
        const small = await perEntry(10, 1);
        const stateBytesSmall = opened[0].bytesWritten.state;
        const large = await perEntry(5000, 2, (await open().read()) as StateFile);
        expect(opened[2].bytesWritten.state).toBeGreaterThan(stateBytesSmall * 100);
        expect(large).toEqual(small);
        expect(small[0]).toBe(small[2]);
        expect(small[0]).toBeLessThan(1000);
      });
    });
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
