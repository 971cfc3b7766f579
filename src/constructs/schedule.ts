/**
 * Helpers for a sync's schedule, one per `strategy` of schedule.schema.json.
 */
import type * as config from '../config/generated/config';
import type { DbtCloud } from './dbt-cloud';
import type { ScheduleProps } from './props';
import type { Sync } from './sync';

export class Schedule {
  /** Runs only when triggered. */
  static manual(): ScheduleProps {
    return { strategy: 'manual' };
  }

  /** Runs every `interval`: `15m`, `1h`, `1d` (at least 15 minutes). */
  static periodic(interval: string): ScheduleProps {
    return { strategy: 'periodic', interval };
  }

  /** Runs on `days` at `hours`: `Schedule.specificDays({ days: ["mon", "thu"], hours: [6, 18], timezone: "UTC" })`. */
  static specificDays(when: Omit<config.SpecificDaysSchedule, 'strategy'>): ScheduleProps {
    return { strategy: 'specific_days', ...when };
  }

  /** Runs on a five-field cron expression, at least 15 minutes apart. */
  static cron(expression: string, timezone?: string): ScheduleProps {
    return timezone === undefined
      ? { strategy: 'cron', expression }
      : { strategy: 'cron', expression, timezone };
  }

  /** Runs after each successful run of a dbt Cloud job. */
  static dbtCloud(link: DbtCloud, jobId: number): ScheduleProps {
    return { strategy: 'dbt_cloud', dbt_cloud: link, job_id: jobId };
  }

  /** Runs after another sync finishes. */
  static afterSync(sync: Sync): ScheduleProps {
    return { strategy: 'after_sync', sync };
  }
}
