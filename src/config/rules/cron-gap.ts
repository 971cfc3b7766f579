/**
 * How close together a cron expression runs, over a window of eight days (every weekday and one wrap-around)
 * in its time zone.
 *
 * Walking every occurrence with cron-parser costs about a millisecond per minute of the window (seconds for
 * an every-15-minutes expression), too slow for `plan` on many syncs. Every firing day runs at the same
 * wall-clock times (minute × hour fields), so the gaps inside a day follow from the fields directly; only
 * the wrap from one day's last run to the next day's first depends on the calendar, and that is found by
 * walking a once-a-day variant of the expression (a handful of steps). The window starts on a fixed date,
 * so the answer is the same on every run of `plan`.
 */
import type { CronExpression, ParserOptions } from 'cron-parser';

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

/** cron-parser (and luxon under it) load only for configs with a cron schedule: start-up stays light. */
function parseExpression(expression: string, options: ParserOptions<false>): CronExpression<false> {
  return (require('cron-parser') as typeof import('cron-parser')).parseExpression(expression, options);
}

/** Parses a five-field `expression` in `timezone`; throws cron-parser's error when it is invalid. */
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
  const { minute, hour } = parseExpression(expression, { tz: timezone, currentDate: START }).fields;
  const times = hour.flatMap((h) => minute.map((m) => h * 60 + m)).sort((a, b) => a - b);
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
  try {
    const it = parseExpression(daily, { tz: timezone, currentDate: START });
    let prev = it.next().getTime();
    for (let i = 0; i < WINDOW_DAYS; i++) {
      const next = it.next().getTime();
      // 23 to 25 hours: one calendar day, whatever a daylight-saving change did to it.
      if (next - prev <= 25 * 3600_000) return true;
      prev = next;
    }
  } catch {
    // No further runs: it cannot run on two days in a row.
  }
  return false;
}

function clock(minuteOfDay: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(minuteOfDay / 60))}:${pad(minuteOfDay % 60)}`;
}
