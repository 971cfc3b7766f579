/**
 * Models: before a model is created or its output changes, the warehouse must describe its SQL and prove
 * the primary key unique and non-null; then its change-tracking snapshot is created (or reset, since the
 * old snapshot describes rows the new SQL no longer produces). Delete drops the snapshot.
 */
import { UserError } from '../../errors';
import type { ResourceState } from '../../state/types';
import { MODEL_OUTPUT_ATTRIBUTES } from '../resource-rules';
import type { PrimaryKeyCheck, WarehouseAdapter } from '../../adapters/warehouse/warehouse';
import { dbtModelRef, resolveDbtModel } from '../dbt-models';
import { modelSql, plannedPrimaryKey, sourceAddressOf, sqlHash } from '../model-sql';
import type { ActionContext, ResourceActions } from './types';
import { syncsOfModel, trackingOf } from './sync-tracking';

function sourceOf(
  ctx: ActionContext,
  attributes: Record<string, unknown>,
): { address: string; resource: ResourceState } {
  const address = sourceAddressOf(attributes);
  const resource = ctx.state.get(address);
  if (!resource) throw new UserError(`${ctx.change.address}: ${address} is not in state; apply it first`);
  return { address, resource };
}

/**
 * What a dbt-backed model reads: taken from the plan (refresh resolved it), or resolved now — a saved plan
 * made with -refresh=false, or a model the plan could not resolve ahead of apply.
 */
async function dbtResolution(
  ctx: ActionContext,
  adapter: WarehouseAdapter,
): Promise<Record<string, unknown>> {
  const planned = ctx.change.computed ?? {};
  if (typeof planned.effective_sql === 'string') return planned;
  const r = ctx.desired!;
  const ref = dbtModelRef(r.attributes)!;
  const gitAddress = `git_sync.${ref.git_sync}`;
  const git = ctx.state.get(gitAddress);
  if (!git) throw new UserError(`${r.address}: ${gitAddress} is not in state; apply it first`);
  const synced = await ctx.connections.dbt.sync(
    gitAddress,
    git.attributes,
    (name) => ctx.state.get(`dbt_cloud.${name}`)?.attributes,
    ctx.state.get(`source.${String(git.attributes.source)}`)?.attributes.warehouse,
  );
  const res = resolveDbtModel(ref, r.attributes.primary_key, synced.catalog);
  if (!res.ok) throw new UserError(`${r.address}: ${res.summary}`, res.detail);
  return {
    relation: res.relation,
    resolution: res.resolution,
    effective_sql: adapter.selectAll(res.relation),
    ...(res.primaryKey !== undefined ? { primary_key: res.primaryKey } : {}),
    primary_key_from: res.primaryKeyFrom,
    git_sync: gitAddress,
    commit: synced.commit,
  };
}

/**
 * `reusePlan`: trust what the plan established (creates, where nothing reads the model yet). A change to
 * what an existing model produces is checked again at apply: its syncs were paused for it, and a query that
 * broke since the plan must fail the change and roll the pause back, not reset their tracking.
 */
async function describeAndCheck(ctx: ActionContext, reusePlan: boolean): Promise<Record<string, unknown>> {
  const r = ctx.desired!;
  const source = sourceOf(ctx, r.attributes);
  const adapter = await ctx.connections.get(source.address, source.resource.attributes);
  const dbt = dbtModelRef(r.attributes) ? await dbtResolution(ctx, adapter) : {};
  const sql = modelSql(r.attributes, dbt)!;
  const established = reusePlan
    ? establishedByPlan(ctx.change.computed, sql, plannedPrimaryKey(r.attributes, dbt))
    : undefined;
  if (established !== undefined) return { ...dbt, ...established };
  const described = (
    await adapter.introspect({ relations: [], queries: [{ id: r.address, sql }] })
  ).queries.get(r.address);
  if (!described || 'error' in described) {
    throw new UserError(
      `${r.address}: the query fails on ${source.address}: ${described && 'error' in described ? described.error : 'no result'}`,
    );
  }
  const pk = plannedPrimaryKey(r.attributes, dbt);
  if (pk === undefined) throw new UserError(`${r.address}: no primary key: set "primary_key"`);
  if (!described.columns.some((c) => c.name === pk)) {
    throw new UserError(
      `${r.address}: primary key "${pk}" is not a column of the model (columns: ${described.columns.map((c) => c.name).join(', ')})`,
    );
  }
  const check = await adapter.checkPrimaryKey(sql, pk);
  if (check.nulls > 0 || check.distinct !== check.total - check.nulls) {
    throw new UserError(
      `${r.address}: primary key "${pk}" is not unique and non-null (${check.total} rows, ${check.distinct} distinct, ${check.nulls} null)`,
    );
  }
  return { ...dbt, columns: described.columns, sql_hash: sqlHash(sql), primary_key_check: check };
}

/**
 * What the plan being applied already established for this exact SQL and key: the columns refresh described
 * and a passed primary-key check (plan runs both, with refresh on, for every model it creates or changes).
 * Apply does not ask the warehouse again; a plan made with -refresh=false established nothing, and a saved
 * plan is refused once its config or state moved. Undefined when anything is missing or does not match.
 */
function establishedByPlan(
  computed: Record<string, unknown> | undefined,
  sql: string,
  pk: string | undefined,
): Record<string, unknown> | undefined {
  if (computed === undefined || pk === undefined || computed.sql_hash !== sqlHash(sql)) return undefined;
  const columns = computed.columns as { name?: unknown }[] | undefined;
  const check = computed.primary_key_check as PrimaryKeyCheck | undefined;
  if (!Array.isArray(columns) || !columns.some((c) => c?.name === pk)) return undefined;
  if (check === undefined || typeof check.total !== 'number') return undefined;
  if (check.nulls !== 0 || check.distinct !== check.total) return undefined;
  return { columns, sql_hash: computed.sql_hash, primary_key_check: check };
}

async function create(ctx: ActionContext): Promise<Record<string, unknown>> {
  const computed = await describeAndCheck(ctx, true);
  const source = sourceOf(ctx, ctx.desired!.attributes);
  const adapter = await ctx.connections.get(source.address, source.resource.attributes);
  await adapter.createSnapshot(String(source.resource.attributes.managed_schema), ctx.desired!.name);
  return { ...computed, snapshot_exists: true };
}

async function update(ctx: ActionContext): Promise<Record<string, unknown>> {
  const outputChanged = ctx.change.changed.some((a) => MODEL_OUTPUT_ATTRIBUTES.includes(a));
  const source = sourceOf(ctx, ctx.desired!.attributes);
  const adapter = await ctx.connections.get(source.address, source.resource.attributes);
  const schema = String(source.resource.attributes.managed_schema);
  // After `state mv` the snapshot keeps the name it was made under.
  const key = ctx.prior?.tracking_key ?? ctx.desired!.name;
  let computed = ctx.prior?.computed ?? {};
  if (outputChanged) {
    computed = await describeAndCheck(ctx, false);
    // The snapshot describes rows of the old SQL: change tracking starts over from an empty one, for the
    // model and for every sync that delivers it (their records describe rows the new SQL may not produce).
    await adapter.createSnapshot(schema, key);
    await adapter.resetSnapshot(schema, key);
    for (const sync of syncsOfModel(ctx, ctx.desired!.name)) {
      const where = await trackingOf(ctx, ctx.desired!.name, sync);
      if (where) {
        await where.tracking.ensureTables(where.target);
        await where.tracking.resetTracking(where.target);
      }
    }
  } else if (ctx.prior?.computed.snapshot_exists === false) {
    await adapter.createSnapshot(schema, key);
  }
  return { ...computed, snapshot_exists: true };
}

async function remove(ctx: ActionContext): Promise<void> {
  const prior = ctx.prior!;
  const source = ctx.state.get(sourceAddressOf(prior.attributes));
  if (!source) return; // the source is already gone from state, and its snapshots with it
  const adapter = await ctx.connections.get(sourceAddressOf(prior.attributes), source.attributes);
  await adapter.dropSnapshot(String(source.attributes.managed_schema), prior.tracking_key ?? prior.name);
}

export const modelActions: ResourceActions = { createsExternalObject: true, create, update, delete: remove };
