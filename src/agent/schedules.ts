/**
 * When a time-based schedule fires, computed exactly in the sync's time zone.
 *
 * - `periodic` slots are multiples of the interval since the Unix epoch (UTC): `1h` fires on the hour,
 *   `1d` at 00:00 UTC, whatever agent started when. `periodic` has no time zone in the config.
 * - `specific_days` is the cron `0 H1,H2 * * D1,D2` in its time zone; `cron` is its expression.
 * - DST: a slot inside a skipped hour fires once, at the same minute after the jump (02:30 → 03:30); a slot
 *   inside a repeated hour fires once, at its first occurrence. Hourly slots fire every real hour.
 *
 * Only `next` is used (cron-parser 4's `prev` skips slots around DST transitions): the scheduler keeps
 * the last fired slot and asks for the next one after it.
 */
import { parseExpression } from 'cron-parser';
import parseMs from 'parse-duration';
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
}

/** Throws an Error with a readable message for an invalid expression, interval or time zone. */
export function slotClock(s: TimeSchedule): SlotClock {
  if (s.strategy === 'periodic') {
    const ms = intervalMs(s.interval);
    if (ms === undefined)
      throw new Error(`interval "${s.interval}" is not minutes, hours or days (15m, 1h, 1d)`);
    return { next: (after) => (Math.floor(after / ms) + 1) * ms };
  }
  const { expression, tz } = cronOf(s);
  // Validate once, now, so a bad zone fails at load rather than at the first tick.
  cronNext(expression, tz, Date.UTC(2026, 0, 1));
  return { next: (after) => cronNext(expression, tz, after) };
}

function cronNext(expression: string, tz: string, after: number): number | undefined {
  let it;
  try {
    it = parseExpression(expression, { currentDate: new Date(after), tz });
  } catch (err) {
    throw new Error(`cron "${expression}" in ${tz}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!it.hasNext()) return undefined;
  let at: number;
  try {
    at = it.next().getTime();
  } catch (err) {
    throw new Error(`cron "${expression}" in ${tz}: ${err instanceof Error ? err.message : String(err)}`);
  }
  // cron-parser rounds `currentDate` down to the second: never hand back a slot at or before `after`.
  return at > after ? at : cronNext(expression, tz, after + 1000);
}

/**
 * The newest slot at or before `now` that comes after `last`, walking forward from `last` (so downtime
 * of any length yields one slot: the run that was missed runs once). Undefined when none is due.
 */
export function dueSlot(
  clock: SlotClock,
  last: number,
  now: number,
  maxSteps = 1_000_000,
): number | undefined {
  let slot = clock.next(last);
  if (slot === undefined || slot > now) return undefined;
  for (let i = 0; i < maxSteps; i++) {
    const after = clock.next(slot);
    if (after === undefined || after > now) return slot;
    slot = after;
  }
  return slot;
}
