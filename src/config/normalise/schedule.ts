/**
 * Schedules in canonical form: days in week order and hours ascending, so that reordering a list in config
 * is not a change to plan.
 */
import type { Schedule } from '../generated/config';

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Mutates the sync's `schedule` in place. */
export function canonicalSchedule(attributes: Record<string, unknown>): void {
  const schedule = attributes.schedule as Schedule | undefined;
  if (schedule?.strategy !== 'specific_days') return;
  if (Array.isArray(schedule.days)) schedule.days.sort((a, b) => WEEK.indexOf(a) - WEEK.indexOf(b));
  if (Array.isArray(schedule.hours)) schedule.hours.sort((a, b) => a - b);
}
