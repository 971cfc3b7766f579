/**
 * What one sync run reads, taken from the applied state (never from config: what runs is what was
 * applied): the sync, its model's effective SQL and primary key, the source, the destination, and the
 * columns delivered. A sync that may not run says why, as a UserError.
 */
import { UserError } from '../errors';
import type { ResourceState, StateFile } from '../state/types';
import { PLAN_COLUMN_PREFIX } from '../adapters/warehouse/tracking';

export interface RunTarget {
  sync: ResourceState;
  model: ResourceState;
  source: ResourceState;
  destination: ResourceState;
  /** Managed schema of the source: where the tracking tables live. */
  schema: string;
  modelSql: string;
  primaryKey: string;
  /** Model columns delivered and checksummed, in a stable order. */
  columns: string[];
  /** Destination field → model column (every column under its own name when the sync maps none). */
  mapping: Record<string, string>;
  mode: 'upsert' | 'mirror';
}

/** The name in a reference to a resource of `type`: `x` or `type.x`. */
export function refName(value: unknown, type: string): string {
  const s = String(value);
  return s.startsWith(`${type}.`) ? s.slice(type.length + 1) : s;
}

function need(state: StateFile, address: string, of: string): ResourceState {
  const r = state.resources[address];
  if (!r) {
    throw new UserError(
      `${of}: ${address} is not in state`,
      'Run `backflow apply` first: runs use what was applied.',
    );
  }
  return r;
}

export function runTarget(state: StateFile, syncName: string): RunTarget {
  const address = `sync.${syncName}`;
  const sync = state.resources[address];
  if (!sync) {
    const known = Object.values(state.resources)
      .filter((r) => r.type === 'sync')
      .map((r) => r.name);
    throw new UserError(
      `${address} is not in state`,
      known.length > 0
        ? `Syncs in state: ${known.slice(0, 10).join(', ')}${known.length > 10 ? `, and ${known.length - 10} more` : ''}. A sync added to config runs after \`backflow apply\`.`
        : 'Nothing is applied yet: run `backflow apply` first.',
    );
  }
  if (sync.attributes.enabled === false) {
    throw new UserError(
      `${address} is disabled, so it does not run`,
      'Set "enabled": true and apply to run it.',
    );
  }
  if (sync.paused_by !== undefined) {
    throw new UserError(
      `${address} is paused by ${sync.paused_by} (an orchestrated model change did not finish)`,
      'Run `backflow apply` to finish or roll back the change; the sync resumes then.',
    );
  }
  const model = need(state, `model.${refName(sync.attributes.model, 'model')}`, address);
  if (model.attributes.enabled === false) {
    throw new UserError(
      `${address} does not run: its ${`model.${model.name}`} is disabled`,
      'Enable the model ("enabled": true) and apply.',
    );
  }
  const source = need(state, `source.${refName(model.attributes.source, 'source')}`, `model.${model.name}`);
  const destination = need(
    state,
    `destination.${refName(sync.attributes.destination, 'destination')}`,
    address,
  );
  const modelSql = model.computed.effective_sql ?? model.attributes.query;
  if (typeof modelSql !== 'string') {
    throw new UserError(
      `model.${model.name} has no SQL in state`,
      'Run `backflow apply` to describe it again.',
    );
  }
  const pk = model.computed.primary_key ?? model.attributes.primary_key;
  if (typeof pk !== 'string') {
    throw new UserError(`model.${model.name} has no primary key in state`, 'Set "primary_key" and apply.');
  }
  const modelColumns = Array.isArray(model.computed.columns)
    ? (model.computed.columns as { name: string }[]).map((c) => c.name)
    : [];
  const declared = (sync.attributes.mapping ?? {}) as Record<string, string>;
  const mapping: Record<string, string> =
    Object.keys(declared).length > 0 ? { ...declared } : Object.fromEntries(modelColumns.map((c) => [c, c]));
  if (Object.keys(mapping).length === 0) {
    throw new UserError(
      `${address}: model.${model.name} has no known columns and the sync maps none`,
      'Add a "mapping" (destination field → model column), or apply the model again so its columns are recorded.',
    );
  }
  const columns = [...new Set([pk, ...Object.values(mapping)])];
  const internal = columns.find((c) => c.startsWith(PLAN_COLUMN_PREFIX));
  if (internal !== undefined) {
    throw new UserError(
      `model.${model.name}: column ${JSON.stringify(internal)} starts with ${PLAN_COLUMN_PREFIX}, which Backflow keeps for its tracking columns`,
      'Rename the column in the model (an alias in its SQL).',
    );
  }
  return {
    sync,
    model,
    source,
    destination,
    schema: String(source.attributes.managed_schema ?? '__segment_reverse_etl'),
    modelSql,
    primaryKey: pk,
    columns,
    mapping,
    mode: sync.attributes.mode === 'mirror' ? 'mirror' : 'upsert',
  };
}
