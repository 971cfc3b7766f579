/**
 * How Backflow reads a cron expression, in one place: validation (config/rules) and the agent's scheduler
 * (src/agent/schedules.ts) both use croner with these options, so an expression `validate` accepts is one
 * the agent can schedule, and one it refuses is refused before apply (they once used two libraries:
 * `*\/90 * * * *` passed validation and then never fired).
 *
 * croner loads on first use only: start-up of commands without a cron schedule stays light.
 */
import type { Cron, CronOptions, CronPattern } from 'croner';

export const CRON_OPTIONS: CronOptions = {
  paused: true,
  // Exactly minute hour day-of-month month day-of-week: no seconds, no year.
  mode: '5-part',
  // Lists and ranges in minute/hour are fixed-time jobs for DST, as in Vixie cron (see src/agent/schedules.ts).
  fixedTimeRule: 'no-wildcard',
  // Day of month and day of week both restricted: either matches (OR), as crontab(5) says.
  domAndDow: false,
};

function croner(): typeof import('croner') {
  return require('croner') as typeof import('croner');
}

/** A paused croner job for `expression` in `timezone` (IANA name) or at a fixed `utcOffset` (minutes). */
export function cronJob(expression: string, at: { timezone: string } | { utcOffset: number }): Cron {
  return new (croner().Cron)(expression, { ...CRON_OPTIONS, ...at });
}

/** The parsed fields of `expression`; throws croner's error when it is invalid. */
export function cronPattern(expression: string, timezone: string): CronPattern {
  return new (croner().CronPattern)(expression, timezone, {
    mode: CRON_OPTIONS.mode,
    fixedTimeRule: CRON_OPTIONS.fixedTimeRule,
  });
}

/** croner's message without its class prefix ("CronPattern: "), for a diagnostic that names the sync. */
export function cronErrorMessage(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^Cron(Pattern)?:\s*/, '');
}
