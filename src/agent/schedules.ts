/**
 * When a time-based schedule fires, computed exactly in the sync's time zone.
 *
 * - `periodic` slots are multiples of the interval since the Unix epoch (UTC): `1h` fires on the hour,
 *   `1d` at 00:00 UTC, whatever agent started when. `periodic` has no time zone in the config.
 * - `specific_days` is the cron `0 H1,H2 * * D1,D2` in its time zone; `cron` is its expression.
 * - DST: a slot inside a skipped hour fires once, at the same minute after the jump (02:30 → 03:30); a slot
 *   inside a repeated hour fires once, at its first occurrence. Hourly slots fire every real hour.
 * - Day of month and day of week both restricted (`0 9 1 * 1`): either matches (OR), as in Vixie cron,
 *   cron-parser and crontab(5).
 *
 * croner 11 computes the cron slots: an expression is parsed once per schedule (a clock is kept per
 * applied schedule, see workspace-syncs.ts) and a next fire costs tens of microseconds in a time zone
 * (cron-parser 4 took 5–20 ms through luxon). Its DST rules are Vixie cron's with `fixedTimeRule:
 * "no-wildcard"`: a job without `*` or a step in minute and hour (`30 2 * * *`, `0 9,17 * * 1`) is
 * fixed-time (runs once in a repeated hour, and after a skipped one), any other is an interval job (runs
 * every real hour). One difference is bridged here: croner runs a fixed-time slot of a skipped hour at
 * the gap's end (03:00), Backflow at the same minute after the jump (03:30), as it always has.
 */
import type { Cron } from 'croner';
import parseMs from 'parse-duration';
import { cronJob } from '../config/cron';
import type { Schedule } from '../config/generated/config';

export type TimeSchedule = Extract<Schedule, { strategy: 'periodic' | 'specific_days' | 'cron' }>;

const DAY_NUMBERS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

export function isTimeSchedule(s: Schedule | undefined): s is TimeSchedule {
  return (
    s !== undefined && (s.strategy === 'periodic' || s.strategy === 'specific_days' || s.strategy === 'cron')
  );
}

/** `15m`, `2h`, `1d` in milliseconds; undefined when malformed. */
export function intervalMs(text: string): number | undefined {
  // The schema's grammar (minutes, hours or days) first; parse-duration converts.
  const m = /^\s*(\d+)\s*([mhd])\s*$/.exec(text);
  if (!m) return undefined;
  const ms = parseMs(`${m[1]}${m[2]}`);
  return ms !== null && ms !== undefined && ms > 0 ? ms : undefined;
}

/** The cron expression and zone a non-periodic time schedule fires on. */
export function cronOf(s: Exclude<TimeSchedule, { strategy: 'periodic' }>): {
  expression: string;
  tz: string;
} {
  const tz = s.timezone ?? 'UTC';
  if (s.strategy === 'cron') return { expression: s.expression, tz };
  const hours = [...new Set(s.hours)].sort((a, b) => a - b).join(',');
  const days = [...new Set(s.days.map((d) => DAY_NUMBERS[d]))].sort((a, b) => a - b).join(',');
  return { expression: `0 ${hours} * * ${days}`, tz };
}

/** A stable text for a schedule: when it changes, the scheduler starts counting from the change. */
export function scheduleKey(s: TimeSchedule): string {
  if (s.strategy === 'periodic') return `periodic ${s.interval}`;
  const { expression, tz } = cronOf(s);
  return `cron ${expression} ${tz}`;
}

export interface SlotClock {
  /** The first slot strictly after `after` (ms since epoch); undefined when there is none. */
  next(after: number): number | undefined;
  /**
   * A time at or before the newest slot at or before `at`, a few slots back at most: where to start
   * looking for that slot without walking from an old cursor. Undefined when unknown.
   */
  shortlyBefore(at: number): number | undefined;
}

/** Throws an Error with a readable message for an invalid expression, interval or time zone. */
export function slotClock(s: TimeSchedule): SlotClock {
  if (s.strategy === 'periodic') {
    const ms = intervalMs(s.interval);
    if (ms === undefined)
      throw new Error(`interval "${s.interval}" is not minutes, hours or days (15m, 1h, 1d)`);
    return {
      next: (after) => (Math.floor(after / ms) + 1) * ms,
      shortlyBefore: (at) => Math.floor(at / ms) * ms - 1,
    };
  }
  const { expression, tz } = cronOf(s);
  return cronClock(expression, tz);
}

function cronClock(expression: string, tz: string): SlotClock {
  const fail = (err: unknown) =>
    new Error(`cron "${expression}" in ${tz}: ${err instanceof Error ? err.message : String(err)}`);
  let cron: Cron;
  try {
    // Resolve the zone now (Intl, cached per zone), so a bad one fails at load rather than at the first tick.
    utcOffsetMinutes(tz, 0);
    cron = cronJob(expression, { timezone: tz });
  } catch (err) {
    throw fail(err);
  }
  // The same expression at a fixed UTC offset (minutes), by offset: a slot of a skipped hour.
  const atOffset = new Map<number, Cron>();
  const offsetCron = (offset: number): Cron => {
    let c = atOffset.get(offset);
    if (!c) atOffset.set(offset, (c = cronJob(expression, { utcOffset: offset })));
    return c;
  };
  const next = (after: number): number | undefined => {
    let from = after;
    // croner works in whole seconds: a slot at or before `after` is never handed back (bounded retry).
    for (let i = 0; i < 3; i++) {
      let at: number;
      try {
        const r = cron.nextRun(new Date(from));
        if (r === null) return undefined;
        at = r.getTime();
        // A wall time that does not match is croner's stand-in for a slot in a skipped hour (the gap's
        // end): fire at the same minute after the jump, i.e. the slot read with the offset before the gap.
        if (!cron.match(r)) {
          const shifted = offsetCron(utcOffsetMinutes(tz, at - 1)).nextRun(new Date(at - 1));
          if (shifted !== null) at = shifted.getTime();
        }
      } catch (err) {
        throw fail(err);
      }
      if (at > after) return at;
      from = Math.max(at, from) + 1000;
    }
    return undefined;
  };
  return {
    next,
    shortlyBefore(at) {
      try {
        // Two slots back: the newest one may have been moved past `at` by the skipped-hour rule above.
        const back = cron.previousRuns(2, new Date(at + 1));
        return back.length > 0 ? back[back.length - 1].getTime() - 1 : undefined;
      } catch (err) {
        throw fail(err);
      }
    },
  };
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The UTC offset of `tz` at `at`, in minutes east of UTC (New York in winter: -300). */
export function utcOffsetMinutes(tz: string, at: number): number {
  let f = offsetFormats.get(tz);
  if (!f)
    offsetFormats.set(
      tz,
      (f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })),
    );
  const name = f.formatToParts(new Date(at)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/**
 * The newest slot at or before `now` that comes after `last` (so downtime of any length yields one slot:
 * the run that was missed runs once). Undefined when none is due. A constant number of `next` calls: when
 * more than one slot passed, it starts from the clock's `shortlyBefore(now)` rather than walking every
 * missed slot from `last`.
 */
export function dueSlot(clock: SlotClock, last: number, now: number, maxSteps?: number): number | undefined {
  return due(clock, last, now, maxSteps)?.slot;
}

/** `dueSlot`, with the slot after it (the next fire once this one is claimed), found on the way. */
export function due(
  clock: SlotClock,
  last: number,
  now: number,
  // A safety bound only: with `shortlyBefore` the loop takes a step or two.
  maxSteps = 100_000,
): { slot: number; after: number | undefined } | undefined {
  const first = clock.next(last);
  if (first === undefined || first > now) return undefined;
  let slot = first;
  let after = clock.next(slot);
  if (after === undefined || after > now) return { slot, after };
  // Downtime: several slots passed. Jump close to `now`, then step to the newest slot.
  const from = clock.shortlyBefore(now);
  if (from !== undefined && from > slot) {
    const near = clock.next(from);
    if (near !== undefined && near <= now && near > slot) {
      slot = near;
      after = clock.next(slot);
    }
  }
  for (let i = 0; i < maxSteps && after !== undefined && after <= now; i++) {
    slot = after;
    after = clock.next(slot);
  }
  return { slot, after };
}
