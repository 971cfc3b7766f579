/**
 * Schedules run no more often than every 15 minutes, in a time zone that exists, and never after themselves.
 */
import { error, type Diagnostic } from '../../diagnostics';
import { Suggester } from '../did-you-mean';
import type { Schedule } from '../generated/config';
import { attr, resourcesOf, type RuleContext } from './context';
import { shortestCronGap } from './cron-gap';
import { isKnownTimezone, knownTimezones } from './timezone';

export const MIN_INTERVAL_MINUTES = 15;
const MINUTES = { m: 1, h: 60, d: 24 * 60 } as const;

interface Scheduled {
  address: string;
  schedule: Schedule;
}

/** Every sync's schedule, listed once per context for the four rules below. */
const listed = new WeakMap<RuleContext, readonly Scheduled[]>();

function schedules(ctx: RuleContext): readonly Scheduled[] {
  let list = listed.get(ctx);
  if (list === undefined) {
    const found: Scheduled[] = [];
    for (const s of resourcesOf(ctx, 'sync')) {
      const schedule = attr(s, 'schedule') as Schedule | undefined;
      if (schedule !== undefined) found.push({ address: s.address, schedule });
    }
    listed.set(ctx, (list = found));
  }
  return list;
}

export function timezonesExist(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  let zones: Suggester | undefined; // one per run: a misspelt zone repeated on 10,000 syncs is looked up once
  for (const { address, schedule } of schedules(ctx)) {
    if (schedule.strategy !== 'cron' && schedule.strategy !== 'specific_days') continue;
    const tz = schedule.timezone;
    if (tz === undefined || isKnownTimezone(tz)) continue;
    zones ??= new Suggester(knownTimezones());
    out.push(
      error(`${address}: unknown timezone "${tz}"${zones.suggestion(tz)}`, {
        ...ctx.at(address, ['schedule', 'timezone']),
        detail: 'Use an IANA time zone name, such as "Europe/Berlin", "America/New_York" or "UTC".',
      }),
    );
  }
  return out;
}

/** What cronExpressionsValid finds for one (expression, written timezone): the same for every sync using it. */
type CronVerdict =
  | { fields: number }
  | { invalid: string }
  | { tooClose: { apart: string; between: [string, string]; tz: string } }
  | undefined;

export function cronExpressionsValid(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Thousands of syncs share a handful of schedules: each (timezone, expression) is judged once per run.
  const verdicts = new Map<string | undefined, Map<string, CronVerdict>>();
  for (const { address, schedule } of schedules(ctx)) {
    if (schedule.strategy !== 'cron') continue;
    const expr = schedule.expression;
    let byExpr = verdicts.get(schedule.timezone);
    if (byExpr === undefined) verdicts.set(schedule.timezone, (byExpr = new Map()));
    let verdict = byExpr.get(expr);
    if (!byExpr.has(expr)) byExpr.set(expr, (verdict = cronVerdict(expr, schedule.timezone)));
    if (verdict === undefined) continue;
    const at = ctx.at(address, ['schedule', 'expression']); // only when reported: positions cost
    if ('fields' in verdict) {
      out.push(
        error(`${address}: invalid cron expression "${expr}": expected 5 fields, got ${verdict.fields}`, {
          ...at,
          detail: 'Fields: minute hour day-of-month month day-of-week, e.g. "0 */2 * * *".',
        }),
      );
    } else if ('invalid' in verdict) {
      out.push(error(`${address}: invalid cron expression "${expr}": ${verdict.invalid}`, at));
    } else {
      const { apart, between, tz } = verdict.tooClose;
      const [a, b] = between;
      out.push(
        error(
          `${address}: cron expression "${expr}" runs ${apart} apart; syncs must be at least ${MIN_INTERVAL_MINUTES} minutes apart`,
          { ...at, detail: `For example at ${a} and ${b} (${tz}).` },
        ),
      );
    }
  }
  return out;
}

function cronVerdict(expr: string, timezone: string | undefined): CronVerdict {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 5) return { fields };
  // An unknown zone is reported by timezonesExist; the expression itself can still be checked in UTC.
  const tz = timezone !== undefined && isKnownTimezone(timezone) ? timezone : 'UTC';
  let gap;
  try {
    gap = shortestCronGap(expr, tz);
  } catch (err) {
    return { invalid: (err as Error).message };
  }
  if (gap.minutes !== undefined && gap.minutes < MIN_INTERVAL_MINUTES && gap.between) {
    const apart = gap.minutes === 1 ? '1 minute' : `${gap.minutes} minutes`;
    return { tooClose: { apart, between: gap.between, tz } };
  }
  return undefined;
}

export function periodicIntervalsLongEnough(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { address, schedule } of schedules(ctx)) {
    if (schedule.strategy !== 'periodic') continue;
    const m = /^([0-9]+)(m|h|d)$/.exec(schedule.interval);
    if (m === null) continue; // The schema reports the shape.
    const minutes = Number(m[1]) * MINUTES[m[2] as keyof typeof MINUTES];
    if (minutes >= MIN_INTERVAL_MINUTES) continue;
    out.push(
      error(
        `${address}: interval "${schedule.interval}" is too short; syncs run at most every ${MIN_INTERVAL_MINUTES} minutes ("${MIN_INTERVAL_MINUTES}m")`,
        ctx.at(address, ['schedule', 'interval']),
      ),
    );
  }
  return out;
}

export function afterSyncNotSelf(ctx: RuleContext): Diagnostic[] {
  return schedules(ctx)
    .filter(
      ({ address, schedule }) => schedule.strategy === 'after_sync' && `sync.${schedule.sync}` === address,
    )
    .map(({ address }) =>
      error(`${address}: schedule.sync points at the sync itself`, {
        ...ctx.at(address, ['schedule', 'sync']),
        detail: 'An after_sync schedule runs after another sync finishes; name a different sync.',
      }),
    );
}
