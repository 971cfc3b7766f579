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

function schedules(ctx: RuleContext): { address: string; schedule: Schedule }[] {
  return resourcesOf(ctx, 'sync')
    .map((s) => ({ address: s.address, schedule: attr(s, 'schedule') as Schedule | undefined }))
    .filter((s): s is { address: string; schedule: Schedule } => s.schedule !== undefined);
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

export function cronExpressionsValid(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { address, schedule } of schedules(ctx)) {
    if (schedule.strategy !== 'cron') continue;
    const expr = schedule.expression;
    const at = (): ReturnType<RuleContext['at']> => ctx.at(address, ['schedule', 'expression']); // when reported
    const fields = expr.trim().split(/\s+/).length;
    if (fields !== 5) {
      out.push(
        error(`${address}: invalid cron expression "${expr}": expected 5 fields, got ${fields}`, {
          ...at(),
          detail: 'Fields: minute hour day-of-month month day-of-week, e.g. "0 */2 * * *".',
        }),
      );
      continue;
    }
    // An unknown zone is reported by timezonesExist; the expression itself can still be checked in UTC.
    const tz =
      schedule.timezone !== undefined && isKnownTimezone(schedule.timezone) ? schedule.timezone : 'UTC';
    let gap;
    try {
      gap = shortestCronGap(expr, tz);
    } catch (err) {
      out.push(error(`${address}: invalid cron expression "${expr}": ${(err as Error).message}`, at()));
      continue;
    }
    if (gap.minutes !== undefined && gap.minutes < MIN_INTERVAL_MINUTES && gap.between) {
      const [a, b] = gap.between;
      const apart = gap.minutes === 1 ? '1 minute' : `${gap.minutes} minutes`;
      out.push(
        error(
          `${address}: cron expression "${expr}" runs ${apart} apart; syncs must be at least ${MIN_INTERVAL_MINUTES} minutes apart`,
          { ...at(), detail: `For example at ${a} and ${b} (${tz}).` },
        ),
      );
    }
  }
  return out;
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
