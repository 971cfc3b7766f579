/**
 * The detachment rule (DESIGN.md §1): a model attached to an active sync in the current state may not
 * change what it produces (query or dbt model, primary key, source) — unless the same plan disables or
 * removes every such sync (then those sync changes go first), or the model asks for an orchestrated
 * pause with `lifecycle.on_attached_change: "pause"`. Pure: reads changes and state, adjusts ordering,
 * returns diagnostics.
 */
import type { DesiredState } from '../config/desired';
import { error, type Diagnostic } from '../diagnostics';
import type { StateFile } from '../state/types';
import type { ResourceChange } from './plan';
import { UPSTREAM_REASON } from './dbt-changes';
import { MODEL_OUTPUT_ATTRIBUTES } from './resource-rules';
import { pushTo } from '../graph/multimap';

/** Active syncs (enabled, not paused) in `state`, by the name of the model they use; addresses sorted. */
export function activeSyncsByModel(state: StateFile): Map<string, string[]> {
  const byModel = new Map<string, string[]>();
  for (const [address, r] of Object.entries(state.resources)) {
    if (r.type !== 'sync' || r.attributes.enabled !== true || r.paused_by) continue;
    const model = String(r.attributes.model);
    pushTo(byModel, model, address);
  }
  for (const list of byModel.values()) list.sort();
  return byModel;
}

/** Which output attributes of a model change this plan touches (empty when the change is harmless). */
export function outputChanges(change: ResourceChange): string[] {
  if (change.type !== 'model' || (change.action !== 'update' && change.action !== 'replace')) return [];
  return change.changed.filter((a) => MODEL_OUTPUT_ATTRIBUTES.includes(a));
}

/** True when the plan leaves sync `address` inactive: removed, or updated to `enabled: false`. */
function deactivatedBy(change: ResourceChange | undefined): boolean {
  if (!change) return false;
  if (change.action === 'delete') return true;
  return (change.action === 'update' || change.action === 'replace') && change.after?.enabled === false;
}

export function applyDetachmentRule(
  changes: Map<string, ResourceChange>,
  state: StateFile,
  desired: DesiredState,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  // Built once, and only when a model's output changes: a plan of thousands of model changes must not
  // scan state once per model, and a plan with none must not scan it at all.
  let activeByModel: Map<string, string[]> | undefined;
  // Model updates and replaces first (outputChanges is empty for every other change), by forEach: no
  // iterator result per change of a 20,000-resource plan.
  const models: ResourceChange[] = [];
  changes.forEach((c) => {
    if (c.type === 'model' && (c.action === 'update' || c.action === 'replace')) models.push(c);
  });
  for (const change of models) {
    const touched = outputChanges(change);
    if (touched.length === 0) continue;
    activeByModel ??= activeSyncsByModel(state);
    const active = activeByModel.get(change.name) ?? [];
    if (active.length === 0) continue;
    const freed = active.filter((s) => deactivatedBy(changes.get(s)));
    const freedSet = new Set(freed); // a model may have thousands of syncs: no list scans per sync
    const remaining = active.filter((s) => !freedSet.has(s));
    // Syncs this plan deactivates run before the model change, whatever the reference direction says.
    const dependsOn = new Set(change.depends_on);
    for (const s of freed) {
      const syncChange = changes.get(s)!;
      syncChange.depends_on = syncChange.depends_on.filter((d) => d !== change.address);
      if (!dependsOn.has(s)) {
        dependsOn.add(s);
        change.depends_on.push(s);
      }
    }
    if (remaining.length === 0) continue;
    const resource = desired.resources.get(change.address);
    if (resource?.lifecycle.on_attached_change === 'pause') {
      change.pause_syncs = remaining;
      continue;
    }
    diagnostics.push(detachmentError(change, touched, remaining, state, resource?.origin));
  }
  return diagnostics;
}

function detachmentError(
  change: ResourceChange,
  touched: string[],
  syncs: string[],
  state: StateFile,
  origin: { file: string; path: string; construct?: string } | undefined,
): Diagnostic {
  const what = touched.map((a) => (a === 'dbt_model' ? 'dbt model' : a.replace('_', ' '))).join(', ');
  // A relation that moved because of a new commit names the commit: the fix may be upstream, in dbt.
  const commit =
    change.reason === UPSTREAM_REASON && typeof change.computed?.commit === 'string'
      ? change.computed.commit
      : undefined;
  const lines = syncs.map((s) => {
    const a = state.resources[s].attributes;
    return `  - ${s} (to destination.${String(a.destination)}, ${describeSchedule(a.schedule)})`;
  });
  return error(
    `${change.address} is attached to ${syncs.length} active sync${syncs.length === 1 ? '' : 's'}; its ${what} cannot change`,
    {
      address: change.address,
      ...(origin ? { file: origin.file, path: origin.path, construct: origin.construct } : {}),
      detail: [
        ...(commit
          ? [
              `Commit ${commit.slice(0, 12)} of ${String(change.computed?.git_sync)} changes the relation the dbt model resolves to (now ${String(change.computed?.effective_sql)}).`,
            ]
          : []),
        `Changing what a model produces while syncs read from it would corrupt their change tracking.`,
        `Active syncs using ${change.address}:`,
        ...lines,
        `To make this change, either:`,
        `  - set "enabled": false on ${syncs.length === 1 ? 'that sync' : 'those syncs'} in this same change, apply, then re-enable ${syncs.length === 1 ? 'it' : 'them'} in a later change;`,
        `  - remove ${syncs.length === 1 ? 'that sync' : 'those syncs'} from the configuration; or`,
        `  - add "lifecycle": { "on_attached_change": "pause" } to the model, so that apply pauses the syncs, changes the model, resets its change tracking and resumes them.`,
      ].join('\n'),
    },
  );
}

function describeSchedule(schedule: unknown): string {
  const s = (schedule ?? {}) as Record<string, unknown>;
  switch (s.strategy) {
    case 'periodic':
      return `every ${String(s.interval)}`;
    case 'cron':
      return `cron "${String(s.expression)}"`;
    case 'specific_days':
      return `on ${(s.days as string[] | undefined)?.join(', ') ?? '?'}`;
    case 'dbt_cloud':
      return `after dbt Cloud job ${String(s.job_id)}`;
    case 'after_sync':
      return `after sync.${String(s.sync)}`;
    default:
      return 'manual schedule';
  }
}
