/**
 * Fires time-based schedules. Each sync has a cursor (the last slot fired) kept in the agent's database,
 * so every agent on that database agrees: a slot is claimed by moving the cursor forward in the same
 * transaction that queues the run, and only the agent whose update moved it queues it. After downtime
 * the newest missed slot fires once. A new sync, or one whose schedule changed, starts counting from now.
 * Time comes from an injected clock: tests never sleep.
 */
import { due } from './schedules';
import type { WorkspaceSyncs, AgentSync } from './workspace-syncs';

export interface Cursor {
  key: string;
  last: number;
}

/** A database transaction the queue can send in. */
export interface Tx {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

export interface CursorStore {
  /**
   * The cursors of `syncs`, by sync: each created at `now` when absent, reset to `now` when its schedule
   * key changed. One call for all of them: an agent starting with 10,000 syncs makes one round trip per
   * few thousand, not one per sync.
   */
  ensureAll(syncs: readonly { sync: string; key: string }[], now: number): Promise<Map<string, Cursor>>;
  /** Moves the cursor to `slot` if it is behind and runs `fire` in the same transaction; false if another agent did. */
  claim(sync: string, key: string, slot: number, fire: (tx: Tx) => Promise<void>): Promise<boolean>;
  read(sync: string): Promise<Cursor | undefined>;
}

interface Entry {
  sync: AgentSync;
  last: number;
  next: number | undefined;
}

export interface SchedulerOptions {
  store: CursorStore;
  now: () => number;
  /** Queues a run of `sync` for `slot` inside the claiming transaction. */
  fire: (sync: string, slot: number, tx: Tx) => Promise<void>;
  onError?: (sync: string, err: unknown) => void;
}

export class Scheduler {
  private entries = new Map<string, Entry>();

  constructor(private readonly opts: SchedulerOptions) {}

  /** Takes the syncs of a (new) applied state: keeps cursors, drops syncs that went, adds new ones. */
  async load(ws: WorkspaceSyncs): Promise<void> {
    const now = this.opts.now();
    const next = new Map<string, Entry>();
    const fresh: AgentSync[] = [];
    for (const s of ws.syncs.values()) {
      if (!s.clock || !s.key) continue;
      const old = this.entries.get(s.name);
      if (old && old.sync.key === s.key) next.set(s.name, { ...old, sync: s });
      else fresh.push(s);
    }
    const cursors = await this.opts.store.ensureAll(
      fresh.map((s) => ({ sync: s.name, key: s.key! })),
      now,
    );
    for (const s of fresh) {
      const last = cursors.get(s.name)?.last ?? now;
      next.set(s.name, { sync: s, last, next: s.clock!.next(last) });
    }
    this.entries = next;
  }

  /** Fires what is due now; returns the syncs this agent queued. */
  async tick(): Promise<string[]> {
    const now = this.opts.now();
    const fired: string[] = [];
    for (const e of this.entries.values()) {
      if (e.next === undefined || e.next > now) continue;
      try {
        const d = due(e.sync.clock!, e.last, now);
        if (d === undefined) continue;
        const slot = d.slot;
        const mine = await this.opts.store.claim(e.sync.name, e.sync.key!, slot, (tx) =>
          this.opts.fire(e.sync.name, slot, tx),
        );
        if (mine) fired.push(e.sync.name);
        const stored = mine ? undefined : await this.opts.store.read(e.sync.name);
        e.last = Math.max(slot, stored !== undefined && stored.key === e.sync.key ? stored.last : slot);
        e.next = e.last === slot ? d.after : e.sync.clock!.next(e.last);
      } catch (err) {
        this.opts.onError?.(e.sync.name, err);
      }
    }
    return fired;
  }

  /** Next fire time of each scheduled sync (ms since epoch). */
  nextFires(): Map<string, number | undefined> {
    return new Map([...this.entries].map(([name, e]) => [name, e.next]));
  }

  /** The earliest next fire, for sleeping until then. */
  earliest(): number | undefined {
    let min: number | undefined;
    for (const e of this.entries.values())
      if (e.next !== undefined && (min === undefined || e.next < min)) min = e.next;
    return min;
  }
}

/** Cursors in memory: unit tests and benchmarks (one agent). */
export class MemoryCursorStore implements CursorStore {
  readonly cursors = new Map<string, Cursor>();
  async ensureAll(
    syncs: readonly { sync: string; key: string }[],
    now: number,
  ): Promise<Map<string, Cursor>> {
    const out = new Map<string, Cursor>();
    for (const { sync, key } of syncs) {
      let c = this.cursors.get(sync);
      if (!c || c.key !== key) this.cursors.set(sync, (c = { key, last: now }));
      out.set(sync, { ...c });
    }
    return out;
  }
  async claim(sync: string, key: string, slot: number, fire: (tx: Tx) => Promise<void>): Promise<boolean> {
    const c = this.cursors.get(sync);
    if (!c || c.key !== key || c.last >= slot) return false;
    await fire({ query: async () => ({ rows: [], rowCount: 0 }) });
    c.last = slot;
    return true;
  }
  async read(sync: string): Promise<Cursor | undefined> {
    const c = this.cursors.get(sync);
    return c && { ...c };
  }
}
