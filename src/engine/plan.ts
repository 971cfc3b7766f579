/**
 * A plan is plain data: computed once by the planner, rendered three ways (human, Markdown, JSON), saved
 * to a file and applied. Nothing here does I/O. Fields marked "display only" are never acted upon.
 */
import type { Diagnostic } from '../diagnostics';
import type { ResourceType } from '../graph/address';

/** Terraform's action lists: replace is delete-then-create. */
export type Action = 'create' | 'update' | 'replace' | 'delete' | 'no-op';

export const ACTION_LISTS: Record<Action, string[]> = {
  create: ['create'],
  update: ['update'],
  replace: ['delete', 'create'],
  delete: ['delete'],
  'no-op': ['no-op'],
};

export interface ResourceChange {
  address: string;
  type: ResourceType;
  name: string;
  action: Action;
  /** Attributes before (state) and after (config), config shape, secrets as markers. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Top-level attribute names whose values differ (display only; the engine re-diffs nothing). */
  changed: string[];
  /** Attributes whose change forces replacement (display only). */
  replace_paths: string[];
  /** Why this action: e.g. `replace_because_source_changed`, `delete_because_no_resource_config`. */
  reason?: string;
  /** Addresses whose changes must finish before this one starts. The engine acts on this. */
  depends_on: string[];
  /**
   * For a model changed under `on_attached_change: "pause"`: the active syncs the apply pauses before the
   * change and resumes after it (rolling the pause back on failure). The engine acts on this.
   */
  pause_syncs?: string[];
  /** Computed values already known at plan time (columns, SQL hash, resolved relation). */
  computed?: Record<string, unknown>;
}

/** A difference between state and the real world found by refresh. */
export interface DriftEntry {
  address: string;
  type: ResourceType;
  name: string;
  /** `changed` (something moved outside Backflow) or `deleted` (it is gone). */
  kind: 'changed' | 'deleted';
  /** Per attribute: what state had, what the world has now. Display only. */
  attributes: { path: string; before: unknown; after: unknown }[];
}

export type PlanMode = 'normal' | 'destroy' | 'refresh-only';

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
}

export interface Plan {
  format_version: '1.0';
  backflow_version: string;
  created_at: string;
  mode: PlanMode;
  /** Options the plan was made with; `apply FILE` uses them as they were. */
  options: { targets: string[]; refresh: boolean; replace?: string[] };
  /** The state the plan was computed against: a saved plan is stale once either moves. */
  prior_state: { lineage: string; serial: number } | null;
  /** sha256 of the config files (see DesiredState.configHash). */
  config_hash: string;
  /** Every resource in config or state, in apply order (no-ops included, for completeness). */
  resource_changes: ResourceChange[];
  resource_drift: DriftEntry[];
  diagnostics: Diagnostic[];
  summary: PlanSummary;
  /** True when diagnostics contain errors: such a plan cannot be applied. */
  errored: boolean;
}

export function summarize(changes: readonly ResourceChange[]): PlanSummary {
  const s: PlanSummary = { add: 0, change: 0, destroy: 0 };
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i];
    if (c.action === 'create') s.add++;
    else if (c.action === 'update') s.change++;
    else if (c.action === 'delete') s.destroy++;
    else if (c.action === 'replace') {
      s.add++;
      s.destroy++;
    }
  }
  return s;
}

export function hasChanges(plan: Plan): boolean {
  if (plan.mode === 'refresh-only') return plan.resource_drift.length > 0;
  return plan.resource_changes.some((c) => c.action !== 'no-op');
}

/**
 * The summary line, byte for byte as Terraform prints it (tfcmt and Atlantis read `Plan: N` and
 * `No changes. Your infrastructure matches the configuration.`). Not shown for an errored plan: Terraform
 * prints no `Plan:` line when planning fails, and a CI wrapper must not read counts off a plan that cannot
 * be applied (see `failedLine`).
 */
export function summaryLine(plan: Plan): string {
  if (plan.mode === 'refresh-only') {
    return plan.resource_drift.length === 0
      ? 'No changes. Your infrastructure still matches the configuration.'
      : `Refresh-only plan: ${plan.resource_drift.length} object${plan.resource_drift.length === 1 ? '' : 's'} changed outside Backflow.`;
  }
  if (!hasChanges(plan)) return 'No changes. Your infrastructure matches the configuration.';
  const { add, change, destroy } = plan.summary;
  return `Plan: ${add} to add, ${change} to change, ${destroy} to destroy.`;
}

/** What an errored plan says where the summary would be (Markdown); the terminal shows only the errors. */
export function failedLine(plan: Plan): string {
  const n = plan.diagnostics.filter((d) => d.severity === 'error').length;
  return `Plan failed: ${n} error${n === 1 ? '' : 's'}. Nothing can be applied until ${n === 1 ? 'it is' : 'they are'} fixed.`;
}
