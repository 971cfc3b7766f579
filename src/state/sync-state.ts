/**
 * The one door through which an apply changes state. The apply walker runs up to `--parallelism` actions at
 * once; none of them touches the raw state. Reads return copies, so an action cannot change state by
 * mutating what it read, and every change is appended to the backend's journal before the action counts as
 * finished. Appends run one at a time, so journal lines never interleave, whatever the backend; the entries
 * of actions that finish while an append runs go together in the next one (a group commit: at
 * `--parallelism` 10, one fdatasync serves several actions, and each still waits for its own line to be
 * durable).
 */
import type { JournalBase, JournalEntry, ResourceState, StateBackend, StateFile } from './types';

export class SyncState {
  private readonly state: StateFile;
  private readonly base: JournalBase;
  /** Entries waiting for the next append, with the callers waiting for them to be durable. */
  private pending: { entry: JournalEntry; done: (failed?: { error: unknown }) => void }[] = [];
  /** Settles when the appends in progress are done; undefined when none is. */
  private writing: Promise<void> | undefined;
  /** Once an append fails, later ones fail too: a gap in the journal would replay a wrong history. */
  private failure: { error: unknown } | undefined;
  private closed = false;
  /**
   * Sync addresses by the model they deliver (`attributes.model`). Derived from the state and changed only
   * with it, in put/remove (the one door), so it cannot disagree with it.
   */
  private readonly syncsByModel = new Map<string, Set<string>>();

  constructor(
    state: StateFile,
    private readonly journal: Pick<StateBackend, 'appendJournal' | 'appendJournalEntries'>,
  ) {
    this.state = structuredClone(state);
    this.base = { lineage: state.lineage, serial: state.serial, salt: state.salt };
    for (const [address, r] of Object.entries(this.state.resources)) this.index(address, r);
  }

  get lineage(): string {
    return this.state.lineage;
  }

  /** The state's salt, for fingerprinting secrets of resources being created. */
  get salt(): string {
    return this.state.salt;
  }

  get(address: string): ResourceState | undefined {
    const r = Object.prototype.hasOwnProperty.call(this.state.resources, address)
      ? this.state.resources[address]
      : undefined;
    return r === undefined ? undefined : structuredClone(r);
  }

  addresses(): string[] {
    return Object.keys(this.state.resources).sort();
  }

  /** Addresses of the syncs in state whose `model` is `model`, sorted (as addresses() would list them). */
  syncsOfModel(model: string): string[] {
    return [...(this.syncsByModel.get(model) ?? [])].sort();
  }

  /**
   * Records a finished create or update. The in-memory state changes at once (it must stay true to what
   * happened even if the journal fails); the promise resolves when the change is durable.
   */
  put(address: string, resource: ResourceState): Promise<void> {
    if (`${resource.type}.${resource.name}` !== address) {
      throw new Error(`internal: resource ${resource.type}.${resource.name} put at ${address}`);
    }
    const copy = structuredClone(resource);
    const state = this.mutable();
    this.unindex(address);
    state.resources[address] = copy;
    this.index(address, copy);
    return this.append({ op: 'put', address, resource: structuredClone(copy) });
  }

  /** Records a finished delete. */
  remove(address: string): Promise<void> {
    const state = this.mutable();
    this.unindex(address);
    delete state.resources[address];
    return this.append({ op: 'delete', address });
  }

  /** Resolves when every append so far is durable (or rejects with the first failure). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.failure !== undefined) throw this.failure.error;
  }

  /**
   * Hands back the result, serial not yet bumped: the apply then writes `{ ...state, serial: serial + 1 }`.
   * Call after every put/remove has been awaited (an action is not finished before that anyway).
   */
  close(): StateFile {
    this.closed = true;
    return structuredClone(this.state);
  }

  private index(address: string, r: ResourceState): void {
    if (r.type !== 'sync') return;
    const model = String(r.attributes.model);
    let syncs = this.syncsByModel.get(model);
    if (syncs === undefined) this.syncsByModel.set(model, (syncs = new Set()));
    syncs.add(address);
  }

  private unindex(address: string): void {
    const r = Object.prototype.hasOwnProperty.call(this.state.resources, address)
      ? this.state.resources[address]
      : undefined;
    if (r?.type === 'sync') this.syncsByModel.get(String(r.attributes.model))?.delete(address);
  }

  private mutable(): StateFile {
    if (this.closed) throw new Error('internal: SyncState changed after close()');
    return this.state;
  }

  private append(entry: JournalEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ entry, done: (failed) => (failed ? reject(failed.error) : resolve()) });
      this.writing ??= this.drain();
    });
  }

  /**
   * Appends until nothing is pending. `writing` is cleared in the same turn as the loop finds nothing left:
   * cleared later (in a `.finally`), a caller released by the last append that at once records its next
   * change would see a drain still "running", and its entry would wait for an append that never comes.
   */
  private async drain(): Promise<void> {
    // No await between the loop's last check and the `finally`: they run in one turn.
    try {
      while (this.pending.length > 0) {
        // One turn of the event loop first: actions whose warehouse replies have arrived finish now and
        // join this append (and actions that finished during the previous append's fdatasync are here).
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.pending.splice(0);
        if (batch.length > 1 && this.journal.appendJournalEntries) {
          const entries = batch.map((p) => p.entry);
          const error = await this.attempt(() => this.journal.appendJournalEntries!(this.base, entries));
          for (const p of batch) p.done(error);
        } else {
          for (const p of batch)
            p.done(await this.attempt(() => this.journal.appendJournal(this.base, p.entry)));
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Runs one append; its failure, or undefined. Once an append fails, later ones fail with that error. */
  private async attempt(write: () => Promise<void>): Promise<{ error: unknown } | undefined> {
    if (this.failure !== undefined) return this.failure;
    try {
      await write();
      return undefined;
    } catch (error) {
      this.failure = { error };
      return this.failure;
    }
  }
}
