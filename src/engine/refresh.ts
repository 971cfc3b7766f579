/**
 * Refresh: read the real world for every source in config or state, in a fixed number of round trips per
 * source (connection check, grants check, one introspection of every model), and report drift.
 */
import pLimit from 'p-limit';
import {
  relationKey,
  type RelationRef,
  type QueryRef,
  type WarehouseAdapter,
} from '../adapters/warehouse/warehouse';
import type { DesiredState } from '../config/desired';
import { error, warning, type Diagnostic } from '../diagnostics';
import type { ResourceState, StateFile } from '../state/types';
import type { Connections } from './connections';
import { deepEqual, cloneJson } from './diff';
import type { EngineHooks } from './hooks';
import { modelSql, sourceAddressOf } from './model-sql';
import type { DriftEntry } from './plan';
import type { ModelObservation, SourceObservation, World } from './world';
import { refreshDbtCloud } from './refresh-dbt-cloud';
import { refreshGitSyncs, type DbtModelObservation } from './refresh-git';
import { TRUST_HINT, trustedEndpoints, untrustedEndpoint, type EndpointType } from './endpoint-trust';

export interface RefreshResult {
  world: World;
  /** State with computed values replaced by what the world has now. */
  state: StateFile;
  drift: DriftEntry[];
  diagnostics: Diagnostic[];
}

interface ModelWork {
  address: string;
  sql?: string;
  /** A dbt-backed model's relation: described as a select from it, in the warehouse's dialect. */
  relation?: RelationRef;
  /** Snapshot table to look for (schema and model name), for models already in state. */
  snapshot?: { schema: string; model: string };
}

/** Why plan must not contact a resource (its secrets would go to an endpoint state never sent them to). */
export type EndpointGate = (type: EndpointType, attributes: Record<string, unknown>) => string | undefined;

export interface RefreshOptions {
  /** Connect to sources whose endpoint the applied state never sent their secrets to (see endpoint-trust.ts). */
  trustNewEndpoints?: boolean;
}

export async function refresh(
  desired: DesiredState,
  prior: StateFile,
  connections: Connections,
  hooks: EngineHooks = {},
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const state = cloneJson(prior);
  const world: World = { refreshed: true, sources: new Map(), models: new Map() };
  const diagnostics: Diagnostic[] = [];
  const drift: DriftEntry[] = [];

  const sourceAddresses = uniq([
    ...[...desired.resources.values()].filter((r) => r.type === 'source').map((r) => r.address),
    ...Object.keys(state.resources).filter((a) => state.resources[a].type === 'source'),
  ]);
  // Which resources plan may contact: see endpoint-trust.ts.
  const trusted = trustedEndpoints(prior);
  const untrusted: EndpointGate = (type, attributes) =>
    options.trustNewEndpoints ? undefined : untrustedEndpoint(attributes, trusted, type);

  // Git first: dbt-backed models need their relation before the warehouses can describe them.
  const git = await refreshGitSyncs(
    desired,
    state,
    connections,
    untrusted,
    options.trustNewEndpoints === true,
  );
  world.gitSyncs = git.gitSyncs;
  world.dbtModels = git.dbtModels;
  diagnostics.push(...git.diagnostics);
  drift.push(...git.drift);
  const work = groupModelsBySource(desired, state, git.dbtModels);
  hooks.refreshStarted?.(sourceAddresses.length);
  let done = 0;

  // dbt Cloud is read alongside the warehouses (see refresh-dbt-cloud.ts).
  const dbtCloud = refreshDbtCloud(desired, state, connections.dbtCloud, untrusted);
  dbtCloud.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

  const limit = pLimit(10);
  await Promise.all(
    sourceAddresses.map((address) =>
      limit(async () => {
        const attributes = desired.resources.get(address)?.attributes ?? state.resources[address].attributes;
        const why = untrusted('source', attributes);
        if (why !== undefined) {
          // Planned without connecting: its models' columns and checks are known after apply.
          world.sources.set(address, { deferred: why });
          diagnostics.push(
            warning(`${address}: not contacted by plan: ${why}`, {
              address,
              detail: `Its connection, models and primary keys are checked by apply, after review. ${TRUST_HINT}`,
            }),
          );
          hooks.refreshProgress?.(++done, sourceAddresses.length, address);
          return;
        }
        const observation = await observeSource(
          address,
          attributes,
          work.get(address) ?? [],
          connections,
          world,
        );
        world.sources.set(address, observation);
        if (observation.error) {
          diagnostics.push(
            error(`${address}: cannot read the warehouse: ${observation.error}`, {
              address,
              detail:
                'Plan needs every source reachable. Fix the connection, or plan with -refresh=false to trust state.',
            }),
          );
        }
        hooks.refreshProgress?.(++done, sourceAddresses.length, address);
      }),
    ),
  );

  for (const [address, resource] of Object.entries(state.resources)) {
    if (resource.type === 'source') sourceDrift(address, resource, world.sources.get(address), drift);
    if (resource.type === 'model') {
      modelDrift(
        address,
        resource,
        desired.resources.get(address)?.attributes,
        world.models.get(address),
        drift,
        diagnostics,
      );
    }
  }
  const cloud = await dbtCloud;
  world.dbtCloud = cloud.observations;
  diagnostics.push(...cloud.diagnostics);
  drift.push(...cloud.drift);
  return { world, state, drift, diagnostics };
}

function groupModelsBySource(
  desired: DesiredState,
  state: StateFile,
  dbtModels: Map<string, DbtModelObservation>,
): Map<string, ModelWork[]> {
  const relationOf = (address: string): RelationRef | undefined => {
    const r = dbtModels.get(address);
    return r?.ok ? r.relation : undefined;
  };
  const bySource = new Map<string, ModelWork[]>();
  const add = (source: string, w: ModelWork): void => {
    const list = bySource.get(source) ?? [];
    list.push(w);
    bySource.set(source, list);
  };
  const seen = new Set<string>();
  for (const r of desired.resources.values()) {
    if (r.type !== 'model') continue;
    seen.add(r.address);
    const inState = state.resources[r.address];
    add(sourceAddressOf(r.attributes), {
      address: r.address,
      sql: typeof r.attributes.query === 'string' ? r.attributes.query : undefined,
      relation: relationOf(r.address),
      snapshot: inState ? snapshotOf(inState, state) : undefined,
    });
  }
  for (const [address, r] of Object.entries(state.resources)) {
    if (r.type !== 'model' || seen.has(address)) continue;
    add(sourceAddressOf(r.attributes), {
      address,
      sql: modelSql(r.attributes, r.computed),
      relation: relationOf(address),
      snapshot: snapshotOf(r, state),
    });
  }
  return bySource;
}

function snapshotOf(model: ResourceState, state: StateFile): ModelWork['snapshot'] {
  const source = state.resources[sourceAddressOf(model.attributes)];
  if (!source) return undefined;
  return { schema: String(source.attributes.managed_schema), model: model.tracking_key ?? model.name };
}

async function observeSource(
  address: string,
  attributes: Record<string, unknown>,
  models: ModelWork[],
  connections: Connections,
  world: World,
): Promise<SourceObservation> {
  try {
    const adapter = await connections.get(address, attributes);
    const info = await adapter.testConnection();
    const grants = await adapter.checkGrants(String(attributes.managed_schema));
    // A dbt model is described as a select from its relation: the same batch, so still one round trip.
    const sqlOf = (m: ModelWork): string | undefined => (m.relation ? adapter.selectAll(m.relation) : m.sql);
    const queries: QueryRef[] = models.flatMap((m) => {
      const sql = sqlOf(m);
      return sql === undefined ? [] : [{ id: m.address, sql }];
    });
    const snapshotRef = (adapter: WarehouseAdapter, s: { schema: string; model: string }): RelationRef => ({
      schema: s.schema,
      name: adapter.snapshotTable(s.model),
    });
    const snapshots: RelationRef[] = models.flatMap((m) =>
      m.snapshot ? [snapshotRef(adapter, m.snapshot)] : [],
    );
    const result = await adapter.introspect({ relations: snapshots, queries });
    for (const m of models) {
      const obs: ModelObservation = { source: address, effectiveSql: sqlOf(m) };
      const q = result.queries.get(m.address);
      if (q && 'columns' in q) obs.columns = q.columns;
      if (q && 'error' in q) obs.error = q.error;
      if (m.snapshot) {
        obs.snapshotExists = result.relations.has(relationKey(snapshotRef(adapter, m.snapshot)));
      }
      world.models.set(m.address, obs);
    }
    return { info, grants };
  } catch (err) {
    for (const m of models) world.models.set(m.address, { source: address, error: 'source unreachable' });
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

function sourceDrift(
  address: string,
  r: ResourceState,
  obs: SourceObservation | undefined,
  drift: DriftEntry[],
): void {
  if (!obs || !obs.info) return;
  const changes: DriftEntry['attributes'] = [];
  if (r.computed.server_version !== undefined && r.computed.server_version !== obs.info.server_version) {
    changes.push({
      path: 'server_version',
      before: r.computed.server_version,
      after: obs.info.server_version,
    });
  }
  const exists = obs.grants?.schema_exists ?? true;
  if (r.computed.managed_schema_exists !== false && !exists) {
    changes.push({ path: 'managed_schema_exists', before: true, after: false });
  }
  r.computed.server_version = obs.info.server_version;
  r.computed.managed_schema_exists = exists;
  if (changes.length > 0)
    drift.push({ address, type: r.type, name: r.name, kind: 'changed', attributes: changes });
}

function modelDrift(
  address: string,
  r: ResourceState,
  desiredAttributes: Record<string, unknown> | undefined,
  obs: ModelObservation | undefined,
  drift: DriftEntry[],
  diagnostics: Diagnostic[],
): void {
  if (!obs) return;
  const changes: DriftEntry['attributes'] = [];
  // Columns only drift when the model's SQL is the one state knows; a new query is a change, not drift.
  const sameSql =
    desiredAttributes === undefined ||
    modelSql(desiredAttributes, r.computed) === modelSql(r.attributes, r.computed);
  if (sameSql && obs.error && obs.error !== 'source unreachable') {
    changes.push({ path: 'columns', before: r.computed.columns, after: null });
    diagnostics.push(
      warning(`${address}: the model's SQL no longer runs on the warehouse`, {
        address,
        detail: `The warehouse said: ${obs.error}`,
      }),
    );
  } else if (sameSql && obs.columns && !deepEqual(obs.columns, r.computed.columns)) {
    changes.push({ path: 'columns', before: r.computed.columns, after: obs.columns });
    r.computed.columns = obs.columns;
  }
  if (obs.snapshotExists === false && r.computed.snapshot_exists !== false) {
    changes.push({ path: 'snapshot_exists', before: true, after: false });
  }
  if (obs.snapshotExists !== undefined) r.computed.snapshot_exists = obs.snapshotExists;
  if (changes.length > 0)
    drift.push({ address, type: r.type, name: r.name, kind: 'changed', attributes: changes });
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
