import { dueSlot, slotClock, type SlotClock, type TimeSchedule } from '../../../src/agent/schedules';
import { MemoryCursorStore, Scheduler } from '../../../src/agent/scheduler';
import { followersOf, workspaceSyncs } from '../../../src/agent/workspace-syncs';
import type { StateFile } from '../../../src/state/types';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const at = (s: string) => Date.parse(s);

function fires(s: TimeSchedule, from: string, n: number): string[] {
  const clock = slotClock(s);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    t = clock.next(t)!;
    out.push(iso(t)!);
  }
  return out;
}

describe('time schedules', () => {
  it('periodic slots are multiples of the interval since the epoch', () => {
    expect(fires({ strategy: 'periodic', interval: '15m' }, '2026-03-01T10:07:13Z', 3)).toEqual([
      '2026-03-01T10:15:00.000Z',
      '2026-03-01T10:30:00.000Z',
      '2026-03-01T10:45:00.000Z',
    ]);
    expect(fires({ strategy: 'periodic', interval: '1d' }, '2026-03-01T10:00:00Z', 1)).toEqual([
      '2026-03-02T00:00:00.000Z',
    ]);
  });

  it('specific_days fires on those days and hours in the time zone', () => {
    const s: TimeSchedule = {
      strategy: 'specific_days',
      days: ['mon', 'wed'],
      hours: [9, 17],
      timezone: 'Europe/Paris',
    };
    // 2026-03-02 is a Monday; Paris is UTC+1 in March before the 29th.
    expect(fires(s, '2026-03-02T00:00:00Z', 4)).toEqual([
      '2026-03-02T08:00:00.000Z',
      '2026-03-02T16:00:00.000Z',
      '2026-03-04T08:00:00.000Z',
      '2026-03-04T16:00:00.000Z',
    ]);
  });

  it('a slot in the skipped DST hour fires once, after the jump', () => {
    const s: TimeSchedule = { strategy: 'cron', expression: '30 2 * * *', timezone: 'America/New_York' };
    // 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 does not exist that day.
    expect(fires(s, '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
  });

  it('a slot in the repeated DST hour fires once, at its first occurrence', () => {
    const s: TimeSchedule = { strategy: 'cron', expression: '30 1 * * *', timezone: 'America/New_York' };
    // 2026-11-01 01:00–02:00 happens twice (EDT, then EST).
    expect(fires(s, '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; not again at 06:30Z (01:30 EST)
      '2026-11-02T06:30:00.000Z',
    ]);
    // An hourly schedule still fires every real hour through the repeated one.
    expect(
      fires(
        { strategy: 'cron', expression: '0 * * * *', timezone: 'America/New_York' },
        '2026-11-01T04:30:00Z',
        3,
      ),
    ).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T07:00:00.000Z']);
  });

  it('after downtime the newest missed slot is due, once', () => {
    const clock = slotClock({ strategy: 'cron', expression: '*/15 * * * *', timezone: 'UTC' });
    const last = at('2026-03-01T10:00:00Z');
    expect(iso(dueSlot(clock, last, at('2026-03-01T10:14:59Z')))).toBeUndefined();
    expect(iso(dueSlot(clock, last, at('2026-03-01T13:07:00Z')))).toBe('2026-03-01T13:00:00.000Z');
  });

  it('day of month and day of week both given: either matches (OR), as crontab(5) says', () => {
    // 2026-02-13 is a Friday; 2026-03-13 too. Fridays and the 13th, not only Friday the 13th.
    expect(
      fires({ strategy: 'cron', expression: '0 9 13 * 5', timezone: 'UTC' }, '2026-02-01T00:00:00Z', 4),
    ).toEqual([
      '2026-02-06T09:00:00.000Z',
      '2026-02-13T09:00:00.000Z',
      '2026-02-20T09:00:00.000Z',
      '2026-02-27T09:00:00.000Z',
    ]);
    expect(
      fires({ strategy: 'cron', expression: '0 9 1 * 1', timezone: 'UTC' }, '2026-05-30T00:00:00Z', 3),
    ).toEqual([
      '2026-06-01T09:00:00.000Z', // the 1st, a Monday
      '2026-06-08T09:00:00.000Z', // a Monday
      '2026-06-15T09:00:00.000Z',
    ]);
  });

  it('specific_days hours are fixed times across DST: once in the repeated hour, after the skipped one', () => {
    // 2026-11-01 and 2026-03-08 are Sundays, the fall-back and spring-forward days in New York.
    const s = (hours: number[]): TimeSchedule => ({
      strategy: 'specific_days',
      days: ['sun'],
      hours,
      timezone: 'America/New_York',
    });
    expect(fires(s([1, 13]), '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT, not again at 01:00 EST
      '2026-11-01T18:00:00.000Z',
      '2026-11-08T06:00:00.000Z',
    ]);
    expect(fires(s([2, 14]), '2026-03-07T12:00:00Z', 2)).toEqual([
      '2026-03-08T07:00:00.000Z', // 02:00 does not exist: 03:00 EDT
      '2026-03-08T18:00:00.000Z',
    ]);
  });

  it('an interval cron runs every real half hour through the repeated hour and skips the missing one', () => {
    const s: TimeSchedule = { strategy: 'cron', expression: '*/30 * * * *', timezone: 'America/New_York' };
    expect(fires(s, '2026-11-01T04:45:00Z', 6)).toEqual([
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T07:30:00.000Z',
    ]);
    expect(fires(s, '2026-03-08T06:15:00Z', 3)).toEqual([
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT: 02:00 and 02:30 do not exist
      '2026-03-08T07:30:00.000Z',
    ]);
  });

  it('finds the newest missed slot in a few next() calls, however long the downtime', () => {
    const counted = (clock: SlotClock) => {
      const c = { calls: 0, clock: { ...clock, next: (after: number) => (c.calls++, clock.next(after)) } };
      return c;
    };
    const quarter = counted(
      slotClock({ strategy: 'cron', expression: '*/15 * * * *', timezone: 'Europe/Berlin' }),
    );
    // A year down: 35,000 missed slots, one due.
    expect(iso(dueSlot(quarter.clock, at('2025-03-01T10:00:00Z'), at('2026-03-01T13:07:00Z')))).toBe(
      '2026-03-01T13:00:00.000Z',
    );
    expect(quarter.calls).toBeLessThanOrEqual(6);
    const periodic = counted(slotClock({ strategy: 'periodic', interval: '15m' }));
    expect(iso(dueSlot(periodic.clock, at('2025-03-01T10:00:00Z'), at('2026-03-01T13:07:00Z')))).toBe(
      '2026-03-01T13:00:00.000Z',
    );
    expect(periodic.calls).toBeLessThanOrEqual(6);
  });

  it('after downtime, the due slot is the one walking every slot would give, around DST too', () => {
    const walk = (clock: SlotClock, last: number, now: number) => {
      let due: number | undefined;
      for (let s = clock.next(last); s !== undefined && s <= now; s = clock.next(s)) due = s;
      return due;
    };
    const schedules: TimeSchedule[] = [
      { strategy: 'cron', expression: '30 2 * * *', timezone: 'America/New_York' },
      { strategy: 'cron', expression: '30 1 * * *', timezone: 'America/New_York' },
      { strategy: 'cron', expression: '0 * * * *', timezone: 'America/New_York' },
      { strategy: 'cron', expression: '*/20 1-3 * * *', timezone: 'Europe/London' },
      { strategy: 'cron', expression: '0 9 13 * 5', timezone: 'Australia/Lord_Howe' },
      { strategy: 'specific_days', days: ['sun', 'wed'], hours: [1, 2, 3], timezone: 'America/New_York' },
      { strategy: 'periodic', interval: '1d' },
    ];
    // Downtimes ending in and around the 2026 transitions of New York, London and Lord Howe.
    const ends = [
      '2026-03-08T06:59:00Z',
      '2026-03-08T07:15:00Z',
      '2026-03-08T07:30:00Z',
      '2026-03-08T07:45:00Z',
      '2026-03-29T01:10:00Z',
      '2026-04-04T15:10:00Z',
      '2026-11-01T05:29:00Z',
      '2026-11-01T05:45:00Z',
      '2026-11-01T06:10:00Z',
      '2026-11-01T06:40:00Z',
      '2026-11-01T07:05:00Z',
    ];
    for (const s of schedules) {
      const clock = slotClock(s);
      for (const end of ends)
        for (const hoursDown of [0.5, 3, 30, 24 * 9]) {
          const now = at(end);
          const last = now - hoursDown * 3_600_000;
          expect([s, end, hoursDown, iso(dueSlot(clock, last, now))]).toEqual([
            s,
            end,
            hoursDown,
            iso(walk(clock, last, now)),
          ]);
        }
    }
  });

  it('rejects a bad time zone with a readable message', () => {
    expect(() => slotClock({ strategy: 'cron', expression: '0 * * * *', timezone: 'Mars/Olympus' })).toThrow(
      /Mars\/Olympus/,
    );
  });
});

function stateWith(syncs: Record<string, unknown>): StateFile {
  const resources: StateFile['resources'] = {};
  for (const [name, schedule] of Object.entries(syncs)) {
    resources[`sync.${name}`] = {
      type: 'sync',
      name,
      attributes: { model: 'm', destination: 'd', schedule },
      computed: {},
      dependencies: [],
    };
  }
  resources['dbt_cloud.acme'] = {
    type: 'dbt_cloud',
    name: 'acme',
    attributes: { account_id: 1234 },
    computed: {},
    dependencies: [],
  };
  return { format_version: 1, backflow_version: 't', lineage: 'L', serial: 3, salt: '00', resources };
}

describe('scheduler with an injected clock', () => {
  it('fires each slot once, a missed run once after downtime, and never a manual sync', async () => {
    let now = at('2026-03-01T10:05:00Z');
    const store = new MemoryCursorStore();
    const fired: string[] = [];
    const scheduler = new Scheduler({
      store,
      now: () => now,
      fire: async (sync, slot) => {
        fired.push(`${sync}@${iso(slot)}`);
      },
    });
    await scheduler.load(
      workspaceSyncs(
        stateWith({
          hourly: { strategy: 'periodic', interval: '1h' },
          manual: { strategy: 'manual' },
          nosched: undefined,
        }),
      ),
    );
    expect(await scheduler.tick()).toEqual([]);
    now = at('2026-03-01T11:00:00Z');
    expect(await scheduler.tick()).toEqual(['hourly']);
    expect(await scheduler.tick()).toEqual([]);
    // Agent down from 11:00:01 to 15:30: one run for the slots it missed.
    now = at('2026-03-01T15:30:00Z');
    expect(await scheduler.tick()).toEqual(['hourly']);
    expect(fired).toEqual(['hourly@2026-03-01T11:00:00.000Z', 'hourly@2026-03-01T15:00:00.000Z']);
    expect(iso(scheduler.nextFires().get('hourly'))).toBe('2026-03-01T16:00:00.000Z');
    expect(scheduler.nextFires().has('manual')).toBe(false);
  });

  it('a second agent sharing the cursors does not fire a slot again', async () => {
    let now = at('2026-03-01T10:05:00Z');
    const store = new MemoryCursorStore();
    const fired: string[] = [];
    const make = (who: string) =>
      new Scheduler({
        store,
        now: () => now,
        fire: async (sync, slot) => void fired.push(`${who}:${sync}@${iso(slot)}`),
      });
    const a = make('a');
    const b = make('b');
    const ws = workspaceSyncs(stateWith({ s: { strategy: 'periodic', interval: '15m' } }));
    await a.load(ws);
    await b.load(ws);
    now = at('2026-03-01T10:15:00Z');
    await a.tick();
    await b.tick();
    expect(fired).toEqual(['a:s@2026-03-01T10:15:00.000Z']);
    expect(iso(b.nextFires().get('s'))).toBe('2026-03-01T10:30:00.000Z');
  });
});

describe('reloading the applied state', () => {
  it('keeps the parsed clock of a schedule that did not change, and parses a changed one', () => {
    const hourly = { strategy: 'cron', expression: '0 * * * *', timezone: 'Europe/Paris' };
    const first = workspaceSyncs(
      stateWith({ a: hourly, b: hourly, c: { strategy: 'periodic', interval: '1h' } }),
    );
    // Syncs sharing a schedule share its clock.
    expect(first.syncs.get('a')!.clock).toBe(first.syncs.get('b')!.clock);
    const second = workspaceSyncs(
      stateWith({
        a: hourly,
        b: { ...hourly, expression: '30 * * * *' },
        c: { strategy: 'periodic', interval: '1h' },
      }),
      first,
    );
    expect(second.syncs.get('a')!.clock).toBe(first.syncs.get('a')!.clock);
    expect(second.syncs.get('c')!.clock).toBe(first.syncs.get('c')!.clock);
    expect(second.syncs.get('b')!.clock).not.toBe(first.syncs.get('b')!.clock);
    expect(iso(second.syncs.get('b')!.clock!.next(at('2026-03-01T10:00:00Z')))).toBe(
      '2026-03-01T10:30:00.000Z',
    );
  });
});

describe('after_sync chains', () => {
  const ws = workspaceSyncs(
    stateWith({
      a: { strategy: 'manual' },
      b: { strategy: 'after_sync', sync: 'sync.a' },
      c: { strategy: 'after_sync', sync: 'b' },
      // a cycle that validation would refuse, here as an old state might hold it
      x: { strategy: 'after_sync', sync: 'y' },
      y: { strategy: 'after_sync', sync: 'x' },
    }),
  );
  it('fires on success, not on failure, on partial only when configured', () => {
    expect(followersOf(ws, 'a', 'succeeded', [], false)).toEqual(['b']);
    expect(followersOf(ws, 'a', 'failed', [], true)).toEqual([]);
    expect(followersOf(ws, 'a', 'partial', [], false)).toEqual([]);
    expect(followersOf(ws, 'a', 'partial', [], true)).toEqual(['b']);
    expect(followersOf(ws, 'b', 'succeeded', ['a'], false)).toEqual(['c']);
  });
  it('stops a cycle at the first sync already in the chain', () => {
    expect(followersOf(ws, 'x', 'succeeded', [], false)).toEqual(['y']);
    expect(followersOf(ws, 'y', 'succeeded', ['x'], false)).toEqual([]);
  });
});
