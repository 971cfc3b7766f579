/**
 * The JSON plan: a versioned, machine-readable view shaped like `terraform show -json`, so tools written
 * for Terraform plans (OPA policies, tfcmt-style bots) read it with little change. It is also the one
 * source the human and Markdown views render from, so the three outputs always agree.
 *
 * Secrets never appear: a sensitive value is removed from `before`/`after` and marked `true` at the same
 * path in `before_sensitive`/`after_sensitive` (see sensitive.ts).
 */
import type { Diagnostic, Severity } from '../diagnostics';
import { ACTION_LISTS, type DriftEntry, type Plan, type PlanMode, type ResourceChange } from '../engine/plan';
import type { ResourceType } from '../graph/address';
import { ACTION_STYLES, DRIFT_STYLES } from './actions';
import { changedSensitivePaths, redact, type SensitiveMask } from './sensitive';
import { computedNotes } from './computed-notes';

export const JSON_PLAN_FORMAT_VERSION = '1.0';

export interface JsonChange {
  /** Terraform's action lists: `["create"]`, `["update"]`, `["delete","create"]`, `["delete"]`, `["no-op"]`. */
  actions: string[];
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** `true` at attributes whose value is known only after apply. */
  after_unknown: Record<string, unknown>;
  before_sensitive: SensitiveMask;
  after_sensitive: SensitiveMask;
  /** Attribute paths whose change forces replacement. */
  replace_paths: string[][];
  /** Backflow extension: paths where a secret changed (rotated or re-pointed); values stay hidden. */
  changed_sensitive_paths: string[][];
}

export interface JsonResourceChange {
  address: string;
  mode: 'managed';
  type: ResourceType;
  name: string;
  change: JsonChange;
  action_reason?: string;
  /** Backflow extension: active syncs paused during this change, then resumed. */
  pause_syncs?: string[];
  /** Backflow extension: what the plan knows of the object (dbt Cloud account name, job), one line each. */
  notes?: string[];
}

export interface JsonDiagnostic {
  severity: Severity;
  summary: string;
  detail: string;
  address?: string;
  /** Where in config; `start` only when the line is known. */
  range?: { filename: string; start?: { line: number; column: number } };
  /** JSON path inside the config file. */
  path?: string;
  /** cdktf construct path, for config synthesized by a cdktf app. */
  construct?: string;
}

export interface JsonPlan {
  format_version: typeof JSON_PLAN_FORMAT_VERSION;
  backflow_version: string;
  timestamp: string;
  mode: PlanMode;
  resource_changes: JsonResourceChange[];
  resource_drift: JsonResourceChange[];
  diagnostics: JsonDiagnostic[];
  summary: { add: number; change: number; destroy: number };
  errored: boolean;
  /** True when `apply` of this plan would do something (Terraform's field). */
  applyable: boolean;
  prior_state: { lineage: string; serial: number } | null;
  config_hash: string;
}

export function toJsonPlan(plan: Plan): JsonPlan {
  const resourceChanges = plan.resource_changes.map(toJsonResourceChange);
  return {
    format_version: JSON_PLAN_FORMAT_VERSION,
    backflow_version: plan.backflow_version,
    timestamp: plan.created_at,
    mode: plan.mode,
    resource_changes: resourceChanges,
    resource_drift: plan.resource_drift.map(toJsonDrift),
    diagnostics: plan.diagnostics.map(toJsonDiagnostic),
    summary: { add: plan.summary.add, change: plan.summary.change, destroy: plan.summary.destroy },
    errored: plan.errored,
    applyable:
      !plan.errored &&
      (resourceChanges.some((c) => c.change.actions[0] !== 'no-op') ||
        (plan.mode === 'refresh-only' && plan.resource_drift.length > 0)),
    prior_state: plan.prior_state
      ? { lineage: plan.prior_state.lineage, serial: plan.prior_state.serial }
      : null,
    config_hash: plan.config_hash,
  };
}

/** The JSON plan as one line (what `plan --json` prints). */
export function renderJson(plan: Plan): string {
  return JSON.stringify(toJsonPlan(plan));
}

export function toJsonResourceChange(rc: ResourceChange): JsonResourceChange {
  const out: JsonResourceChange = {
    address: rc.address,
    mode: 'managed',
    type: rc.type,
    name: rc.name,
    change: {
      actions: [...ACTION_LISTS[rc.action]],
      ...values(
        rc.before,
        rc.after,
        ACTION_STYLES[rc.action].createsObject ? unknownComputed(rc.computed) : {},
      ),
      replace_paths: rc.replace_paths.map((p) => p.split('.')),
    },
  };
  if (rc.reason !== undefined) out.action_reason = rc.reason;
  if (rc.pause_syncs !== undefined && rc.pause_syncs.length > 0) out.pause_syncs = [...rc.pause_syncs];
  const notes = computedNotes(rc);
  if (notes.length > 0) out.notes = notes;
  return out;
}

/** Drift in the same shape as a change: `before` is what state had, `after` what the world has now. */
export function toJsonDrift(entry: DriftEntry): JsonResourceChange {
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const attr of entry.attributes) {
    setPath(before, attr.path, attr.before);
    setPath(after, attr.path, attr.after);
  }
  return {
    address: entry.address,
    mode: 'managed',
    type: entry.type,
    name: entry.name,
    change: {
      actions: [...DRIFT_STYLES[entry.kind].actions],
      ...values(before, entry.kind === 'deleted' ? null : after, {}),
      replace_paths: [],
    },
  };
}

export function toJsonDiagnostic(d: Diagnostic): JsonDiagnostic {
  const out: JsonDiagnostic = { severity: d.severity, summary: d.summary, detail: d.detail ?? '' };
  if (d.address !== undefined) out.address = d.address;
  if (d.file !== undefined) {
    out.range = { filename: d.file };
    if (d.line !== undefined) out.range.start = { line: d.line, column: d.column ?? 1 };
  }
  if (d.path !== undefined) out.path = d.path;
  if (d.construct !== undefined) out.construct = d.construct;
  return out;
}

/** Values and masks, keys in `terraform show -json` order. */
function values(
  before: Record<string, unknown> | null,
  after: Record<string, unknown> | null,
  afterUnknown: Record<string, unknown>,
): Omit<JsonChange, 'actions' | 'replace_paths'> {
  const b = redact(before);
  const a = redact(after);
  return {
    before: b.value as Record<string, unknown> | null,
    after: a.value as Record<string, unknown> | null,
    after_unknown: afterUnknown,
    before_sensitive: b.mask,
    after_sensitive: a.mask,
    changed_sensitive_paths: changedSensitivePaths(before, after),
  };
}

/** A new object's computed attributes that the plan could not know yet (left `undefined` by the engine). */
function unknownComputed(computed: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(computed ?? {})) if (value === undefined) out[key] = true;
  return out;
}

/** Drift paths are dotted (`settings.host`); rebuild the nesting so views show them like any change. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}
