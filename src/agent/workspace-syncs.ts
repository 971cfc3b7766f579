/**
 * What the agent schedules, read from the applied state (never from config): every active sync with its
 * schedule, the after_sync edges, and which dbt Cloud jobs start which syncs.
 */
import type { Schedule } from '../config/generated/config';
import type { StateFile } from '../state/types';
import { isTimeSchedule, scheduleKey, slotClock, type SlotClock } from './schedules';

export interface AgentSync {
  name: string;
  schedule: Schedule;
  /** Time-based schedules only. */
  clock?: SlotClock;
  /** Time-based schedules only: changes when the schedule does. */
  key?: string;
  /** Why a time schedule cannot be computed (bad zone or expression in an old state). */
  problem?: string;
}

export interface DbtCloudLink {
  name: string;
  accountId: number;
  /** Attributes as applied (secrets as markers): the poller reveals the key from them. */
  attributes: Record<string, unknown>;
  /**
   * How the agent learns that the link's jobs finished, as apply recorded it (`computed.webhook`):
   * `webhook` with the subscription's id, or `poll`. A link applied before trigger modes existed polls.
   */
  mode: 'webhook' | 'poll';
  subscriptionId?: string;
}

export interface WorkspaceSyncs {
  serial: number;
  lineage: string;
  /** Active syncs (enabled, not paused) by name. */
  syncs: Map<string, AgentSync>;
  /** Upstream sync → syncs scheduled `after_sync` on it. */
  dependents: Map<string, string[]>;
  /** `accountId:jobId` → syncs scheduled after that dbt Cloud job. */
  byDbtJob: Map<string, string[]>;
  /** Link name → the dbt Cloud jobs its syncs run after (what the poller watches). */
  jobsByLink: Map<string, number[]>;
  links: Map<string, DbtCloudLink>;
}

function refName(value: unknown, type: string): string {
  const s = String(value);
  return s.startsWith(`${type}.`) ? s.slice(type.length + 1) : s;
}

export function dbtJobKey(accountId: number | string, jobId: number | string): string {
  return `${Number(accountId)}:${Number(jobId)}`;
}

/**
 * `previous`: the syncs of the state loaded before this one. Its clocks are reused for schedules that did
 * not change (and syncs sharing a schedule share one clock), so a reload after an apply parses only what
 * the apply changed.
 */
export function workspaceSyncs(state: StateFile, previous?: WorkspaceSyncs): WorkspaceSyncs {
  const clocks = new Map<string, SlotClock>();
  for (const s of previous?.syncs.values() ?? []) if (s.key && s.clock) clocks.set(s.key, s.clock);
  const syncs = new Map<string, AgentSync>();
  const dependents = new Map<string, string[]>();
  const byDbtJob = new Map<string, string[]>();
  const links = new Map<string, DbtCloudLink>();
  const jobsByLink = new Map<string, number[]>();
  for (const r of Object.values(state.resources)) {
    if (r.type === 'dbt_cloud') {
      const w = r.computed.webhook as { mode?: string; id?: unknown } | undefined;
      const subscriptionId = typeof w?.id === 'string' ? w.id : undefined;
      links.set(r.name, {
        name: r.name,
        accountId: Number(r.attributes.account_id),
        attributes: r.attributes,
        mode: w?.mode === 'webhook' && subscriptionId !== undefined ? 'webhook' : 'poll',
        ...(subscriptionId ? { subscriptionId } : {}),
      });
    }
  }
  for (const r of Object.values(state.resources)) {
    if (r.type !== 'sync' || r.attributes.enabled === false || r.paused_by !== undefined) continue;
    const schedule = (r.attributes.schedule ?? { strategy: 'manual' }) as Schedule;
    const entry: AgentSync = { name: r.name, schedule };
    if (isTimeSchedule(schedule)) {
      try {
        const key = scheduleKey(schedule);
        let clock = clocks.get(key);
        if (!clock) clocks.set(key, (clock = slotClock(schedule)));
        entry.clock = clock;
        entry.key = key;
      } catch (err) {
        entry.problem = err instanceof Error ? err.message : String(err);
      }
    } else if (schedule.strategy === 'after_sync') {
      const up = refName(schedule.sync, 'sync');
      dependents.set(up, [...(dependents.get(up) ?? []), r.name]);
    } else if (schedule.strategy === 'dbt_cloud') {
      const link = links.get(refName(schedule.dbt_cloud, 'dbt_cloud'));
      if (link) {
        const k = dbtJobKey(link.accountId, schedule.job_id);
        byDbtJob.set(k, [...(byDbtJob.get(k) ?? []), r.name]);
        const jobs = jobsByLink.get(link.name) ?? [];
        if (!jobs.includes(Number(schedule.job_id)))
          jobsByLink.set(link.name, [...jobs, Number(schedule.job_id)]);
      }
    }
    syncs.set(r.name, entry);
  }
  return { serial: state.serial, lineage: state.lineage, syncs, dependents, byDbtJob, jobsByLink, links };
}

/**
 * The syncs to start after `upstream` finished with `status`: its after_sync dependents that are active
 * and not already in this chain (a cycle in an old state, or one slipped past validation, stops here).
 */
export function followersOf(
  ws: WorkspaceSyncs,
  upstream: string,
  status: string,
  chain: readonly string[],
  runOnPartial: boolean,
): string[] {
  if (status !== 'succeeded' && !(status === 'partial' && runOnPartial)) return [];
  const seen = new Set([...chain, upstream]);
  return (ws.dependents.get(upstream) ?? []).filter((d) => !seen.has(d) && ws.syncs.has(d));
}
