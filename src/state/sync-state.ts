/**
 * The one door through which an apply changes state. The apply walker runs up to `--parallelism` actions at
 * once; none of them touches the raw state. Reads return copies, so an action cannot change state by
 * mutating what it read, and every change is appended to the backend's journal before the action counts as
 * finished. Appends go through one promise chain, so journal lines never interleave, whatever the backend.
 */
import type { JournalBase, JournalEntry, ResourceState, StateBackend, StateFile } from './types';

export class SyncState {
  private readonly state: StateFile;
  private readonly base: JournalBase;
  private chain: Promise<void> = Promise.resolve();
  /** Once an append fails, later ones fail too: a gap in the journal would replay a wrong history. */
  private failure: { error: unknown } | undefined;
  private closed = false;

  constructor(
    state: StateFile,
    private readonly journal: Pick<StateBackend, 'appendJournal'>,
  ) {
    this.state = structuredClone(state);
    this.base = { lineage: state.lineage, serial: state.serial, salt: state.salt };
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

  /**
   * Records a finished create or update. The in-memory state changes at once (it must stay true to what
   * happened even if the journal fails); the promise resolves when the change is durable.
   */
  put(address: string, resource: ResourceState): Promise<void> {
    if (`${resource.type}.${resource.name}` !== address) {
      throw new Error(`internal: resource ${resource.type}.${resource.name} put at ${address}`);
    }
    const copy = structuredClone(resource);
    this.mutable().resources[address] = copy;
    return this.append({ op: 'put', address, resource: structuredClone(copy) });
  }

  /** Records a finished delete. */
  remove(address: string): Promise<void> {
    delete this.mutable().resources[address];
    return this.append({ op: 'delete', address });
  }

  /** Resolves when every append so far is durable (or rejects with the first failure). */
  async flush(): Promise<void> {
    await this.chain;
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

  private mutable(): StateFile {
    if (this.closed) throw new Error('internal: SyncState changed after close()');
    return this.state;
  }

  private append(entry: JournalEntry): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.failure !== undefined) throw this.failure.error;
      try {
        await this.journal.appendJournal(this.base, entry);
      } catch (error) {
        this.failure = { error };
        throw error;
      }
    });
    // The chain itself never rejects, so one failure does not surface as an unhandled rejection elsewhere.
    this.chain = next.catch(() => undefined);
    return next;
  }
}
