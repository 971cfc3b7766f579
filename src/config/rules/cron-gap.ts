/**
 * How close together a cron expression runs, over a window of eight days (every weekday and one wrap-around)
 * in its time zone.
 *
 * Walking every occurrence costs a next-run computation per firing (thousands for an every-minute
 * expression), too slow for `plan` on many syncs. Every firing day runs at the same
 * wall-clock times (minute × hour fields), so the gaps inside a day follow from the fields directly; only
 * the wrap from one day's last run to the next day's first depends on the calendar, and that is found by
 * walking a once-a-day variant of the expression (a handful of steps). The window starts on a fixed date,
 * so the answer is the same on every run of `plan`.
 */
import { cronErrorMessage, cronJob, cronPattern } from '../cron';

const START = new Date('2024-01-01T00:00:00Z');
const WINDOW_DAYS = 8;
const DAY_MINUTES = 24 * 60;

export interface CronGap {
  /** Shortest time between two consecutive runs, in minutes; undefined when it runs at most once a window. */
  minutes?: number;
  /** Wall-clock times (HH:MM) of two runs that close together. */
  between?: [string, string];
}

/**
 * Results by (expression, timezone). Configs repeat a handful of schedules across thousands of syncs, and
 * walking occurrences with time-zone arithmetic costs milliseconds per call. Invalid expressions are cached
 * as their error, so every sync using one still gets its own diagnostic.
 */
const gapCache = new Map<string, CronGap | { error: unknown }>();

/**
 * Parses a five-field `expression` in `timezone` as the agent will (croner, src/config/cron.ts); throws an
 * Error saying what is wrong when it is invalid or never fires.
 */
export function shortestCronGap(expression: string, timezone: string): CronGap {
  const key = `${timezone}\u0000${expression}`;
  let cached = gapCache.get(key);
  if (cached === undefined) {
    try {
      cached = computeShortestCronGap(expression, timezone);
    } catch (error) {
      cached = { error };
    }
    gapCache.set(key, cached);
  }
  if ('error' in cached) throw cached.error;
  return { ...cached, ...(cached.between ? { between: [...cached.between] as CronGap['between'] } : {}) };
}

function computeShortestCronGap(expression: string, timezone: string): CronGap {
  let minutes: number[];
  let hours: number[];
  let firstRun: Date | null;
  try {
    const pattern = cronPattern(expression, timezone);
    // croner keeps each field as one flag per value (minute[0..59], hour[0..23]).
    minutes = setValues(pattern.minute);
    hours = setValues(pattern.hour);
    firstRun = cronJob(expression, zone(timezone)).nextRun(START);
  } catch (err) {
    throw new Error(cronErrorMessage(err));
  }
  if (firstRun === null) throw new Error('no date matches it (it would never run)');
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
  const result: CronGap = {};
  const consider = (gap: number, from: number, to: number) => {
    if (result.minutes === undefined || gap < result.minutes) {
      result.minutes = gap;
      result.between = [clock(from), clock(to)];
    }
  };
  for (let i = 1; i < times.length; i++) consider(times[i] - times[i - 1], times[i - 1], times[i]);
  const first = times[0];
  const last = times[times.length - 1];
  if (runsOnConsecutiveDays(expression, timezone, first)) consider(DAY_MINUTES - last + first, last, first);
  return result;
}

/** Whether two days in a row fire, judged by the day fields walked at the day's first run time. */
function runsOnConsecutiveDays(expression: string, timezone: string, firstRun: number): boolean {
  const dayFields = expression.trim().split(/\s+/).slice(2).join(' ');
  const daily = `${firstRun % 60} ${Math.floor(firstRun / 60)} ${dayFields}`;
  const job = cronJob(daily, zone(timezone));
  let prev = job.nextRun(START);
  for (let i = 0; prev !== null && i < WINDOW_DAYS; i++) {
    const next = job.nextRun(prev);
    // 23 to 25 hours: one calendar day, whatever a daylight-saving change did to it.
    if (next !== null && next.getTime() - prev.getTime() <= 25 * 3600_000) return true;
    prev = next;
  }
  return false;
}

/**
 * How croner is told the zone. UTC (the schema's default) as a zero offset: the same instants (UTC has no
 * daylight saving), without croner asking Intl, whose first time-zone formatter costs ICU ~15 ms of start-up.
 */
export function zone(timezone: string): { timezone: string } | { utcOffset: number } {
  return timezone === 'UTC' || timezone === 'Etc/UTC' ? { utcOffset: 0 } : { timezone };
}

function setValues(flags: number[]): number[] {
  const out: number[] = [];
  flags.forEach((on, value) => {
    if (on) out.push(value);
  });
  return out;
}

function clock(minuteOfDay: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(minuteOfDay / 60))}:${pad(minuteOfDay % 60)}`;
}
