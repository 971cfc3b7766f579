/**
 * The current state for `backflow show`: as text in `terraform show`'s layout (one block per resource,
 * attributes and computed values together, secrets as `(sensitive value)`), and as JSON shaped like
 * `terraform show -json` of a state (`values.root_module.resources[]` with `values` and `sensitive_values`).
 * Secrets appear in neither: markers are removed and only a `true` in the mask says one was there.
 */
import type { ResourceState, StateFile } from '../state/types';
import { resourceBlock } from './diff-lines';
import type { JsonResourceChange } from './json-plan';
import { redact, type SensitiveMask } from './sensitive';
import { sanitize } from './text';

export const JSON_STATE_FORMAT_VERSION = '1.0';

export interface JsonStateResource {
  address: string;
  mode: 'managed';
  type: string;
  name: string;
  schema_version: number;
  /** Attributes as applied and computed values, secrets removed. */
  values: Record<string, unknown>;
  sensitive_values: SensitiveMask;
  depends_on: string[];
  /** Backflow extension: the model change that paused this sync, when a crash left it paused. */
  paused_by?: string;
  /** Backflow extension: the name its warehouse tracking is kept under, after `state mv`. */
  tracking_key?: string;
}

export interface JsonState {
  format_version: typeof JSON_STATE_FORMAT_VERSION;
  /** Absent, like every other field, when there is no state (Terraform prints only format_version). */
  backflow_version?: string;
  /** Backflow extensions: which state this is. */
  lineage?: string;
  serial?: number;
  values?: { root_module: { resources: JsonStateResource[] } };
}

export function toJsonState(state: StateFile | null): JsonState {
  if (state === null) return { format_version: JSON_STATE_FORMAT_VERSION };
  return {
    format_version: JSON_STATE_FORMAT_VERSION,
    backflow_version: state.backflow_version,
    lineage: state.lineage,
    serial: state.serial,
    values: { root_module: { resources: addresses(state).map((a) => jsonResource(a, state.resources[a])) } },
  };
}

export function renderStateJson(state: StateFile | null): string {
  return JSON.stringify(toJsonState(state));
}

/** Text for a terminal; `No state.` when there is nothing, as Terraform says. */
export function renderStateHuman(state: StateFile | null): string {
  if (state === null || addresses(state).length === 0) return 'No state.';
  const json = toJsonState(state);
  return json.values!.root_module.resources.map(resourceText).join('\n\n');
}

/**
 * One object of the state for `state show ADDR`: the same block `show` prints, in one syntax (Terraform's
 * attribute layout, secrets as `(sensitive value)`); `--json` prints `toJsonStateResource`.
 */
export function renderStateResourceHuman(address: string, r: ResourceState): string {
  return resourceText(jsonResource(address, r));
}

/** One object as `terraform show -json` lists it in `values.root_module.resources[]`. */
export function toJsonStateResource(address: string, r: ResourceState): JsonStateResource {
  return jsonResource(address, r);
}

function resourceText(r: JsonStateResource): string {
  const change: JsonResourceChange = {
    address: r.address,
    mode: 'managed',
    type: r.type as JsonResourceChange['type'],
    name: r.name,
    change: {
      actions: ['create'],
      before: null,
      after: r.values,
      after_unknown: {},
      before_sensitive: false,
      after_sensitive: r.sensitive_values,
      replace_paths: [],
      changed_sensitive_paths: [],
    },
  };
  // The lines of a create, every attribute listed, laid out without the action column.
  const lines = resourceBlock(change, '+').map((l) => `${'    '.repeat(l.depth)}${l.text}`.trimEnd());
  const head = [`# ${sanitize(r.address)}:`];
  if (r.paused_by !== undefined) head.push(`# (paused by ${sanitize(r.paused_by)})`);
  if (r.tracking_key !== undefined) head.push(`# (tracking kept under the name ${sanitize(r.tracking_key)})`);
  return [...head, ...lines].join('\n');
}

function jsonResource(address: string, r: ResourceState): JsonStateResource {
  const { value, mask } = redact({ ...r.attributes, ...r.computed });
  const out: JsonStateResource = {
    address,
    mode: 'managed',
    type: r.type,
    name: r.name,
    schema_version: 0,
    values: value as Record<string, unknown>,
    sensitive_values: mask,
    depends_on: [...r.dependencies].sort(),
  };
  if (r.paused_by !== undefined) out.paused_by = r.paused_by;
  if (r.tracking_key !== undefined) out.tracking_key = r.tracking_key;
  return out;
}

function addresses(state: StateFile): string[] {
  return Object.keys(state.resources).sort();
}
