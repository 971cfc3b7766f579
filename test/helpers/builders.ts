/**
 * Builders for desired and actual state in engine tests: a few lines describe a workspace.
 */
import type { DesiredResource, DesiredState } from '../../src/config/desired';
import type { SecretValues } from '../../src/config/secrets';
import { formatAddress, type ResourceType } from '../../src/graph/address';
import { REFERENCE_FIELDS, referenceAt } from '../../src/graph/references';
import { storedAttributes } from '../../src/engine/fingerprint';
import type { ResourceState, StateFile } from '../../src/state/types';
import { buildPlan, type PlanInput } from '../../src/engine/planner';
import type { Plan } from '../../src/engine/plan';
import { emptyWorld } from '../../src/engine/world';

export const SALT = 'ab'.repeat(32);

export function resource(
  type: ResourceType,
  name: string,
  attributes: Record<string, unknown>,
  extra: { lifecycle?: Partial<DesiredResource['lifecycle']>; secrets?: Record<string, string> } = {},
): DesiredResource {
  const dependsOn = REFERENCE_FIELDS[type]
    .map((f) => {
      const ref = referenceAt(attributes, f.path);
      return ref === undefined ? undefined : formatAddress(f.target, ref);
    })
    .filter((x): x is string => x !== undefined);
  return {
    address: formatAddress(type, name),
    type,
    name,
    attributes,
    lifecycle: { prevent_destroy: false, on_attached_change: 'fail', ...extra.lifecycle },
    dependsOn,
    origin: { file: 'backflow.json', path: `$.${type}s.${name}` },
    secrets: new Map(Object.entries(extra.secrets ?? {})) as SecretValues,
  };
}

export function desired(...resources: DesiredResource[]): DesiredState {
  return {
    configDir: '/tmp',
    files: ['/tmp/backflow.json'],
    configHash: 'sha256:test',
    backend: { type: 'local', path: '/tmp/.backflow/state.json' },
    resources: new Map(resources.map((r) => [r.address, r])),
  };
}

/** State holding exactly what applying `d` would have stored. */
export function stateFrom(
  d: DesiredState,
  computed: Record<string, Record<string, unknown>> = {},
): StateFile {
  const resources: Record<string, ResourceState> = {};
  for (const r of d.resources.values()) {
    resources[r.address] = {
      type: r.type,
      name: r.name,
      attributes: storedAttributes(r, SALT),
      computed: computed[r.address] ?? {},
      dependencies: r.dependsOn,
    };
  }
  return { format_version: 1, backflow_version: 'test', lineage: 'lin', serial: 3, salt: SALT, resources };
}

export const pgSource = (name = 'warehouse', extra: Record<string, unknown> = {}): DesiredResource =>
  resource('source', name, {
    warehouse: 'postgres',
    settings: { host: '127.0.0.1', port: 5432, database: 'analytics', user: 'retl', sslmode: 'disable' },
    managed_schema: '__segment_reverse_etl',
    ...extra,
  });

export const sqlModel = (
  name: string,
  query: string,
  extra: Record<string, unknown> = {},
  lifecycle = {},
): DesiredResource =>
  resource(
    'model',
    name,
    { source: 'warehouse', name: name, description: '', query, primary_key: 'id', enabled: true, ...extra },
    { lifecycle },
  );

export const webhook = (name = 'crm'): DesiredResource =>
  resource('destination', name, { type: 'webhook', url: 'https://hooks.example.com/x', headers: {} });

export const sync = (name: string, model: string, extra: Record<string, unknown> = {}): DesiredResource =>
  resource('sync', name, {
    model,
    destination: 'crm',
    enabled: true,
    mode: 'upsert',
    schedule: { strategy: 'manual' },
    mapping: {},
    ...extra,
  });

/** Plans `d` against `state` (an empty state when null) with no refresh: the planner alone. */
export function planOf(d: DesiredState, state: StateFile | null, extra: Partial<PlanInput> = {}): Plan {
  return buildPlan({
    desired: d,
    state: state ?? {
      format_version: 1,
      backflow_version: 't',
      lineage: 'new',
      serial: 0,
      salt: SALT,
      resources: {},
    },
    prior: state ? { lineage: state.lineage, serial: state.serial } : null,
    world: emptyWorld(),
    drift: [],
    diagnostics: [],
    mode: 'normal',
    targets: [],
    version: 'test',
    now: new Date(0),
    ...extra,
  });
}
