/**
 * `backflow import ADDR ID`: adopt an object that already exists in a warehouse, as Terraform's import
 * does. The config must declare ADDR; the object is read, checked against that config and recorded in state
 * with the values a create would have computed, so the next plan shows no create. Nothing in the warehouse
 * is created, changed or dropped: only reads.
 *
 * What can be imported is what Backflow owns in a warehouse:
 * - `source.NAME SCHEMA`: the source's managed schema (a workspace re-created from scratch, or another
 *   workspace's source taken over);
 * - `sync.NAME KEY`: the change-tracking tables of a sync (`records_KEY`, `rejections_KEY` in the managed
 *   schema of its model's source), so a sync whose state was lost goes on from what the destination has
 *   instead of sending every row again. KEY is the name the tables were made under: a sync's own name, or
 *   another one (then kept as the sync's `tracking_key`, as `state mv` keeps it).
 * The other types hold nothing in a warehouse to adopt (a model's snapshot describes rows as of its last
 * run and is made again by apply), so they are refused with the list of what can be imported.
 */
import type { DesiredResource, DesiredState } from '../config/desired';
import { UserError } from '../errors';
import { parseAddress } from '../graph/address';
import type { ResourceState, StateFile } from '../state/types';
import { syncComputed } from './actions/record-actions';
import { trackingOf } from './actions/sync-tracking';
import type { ActionContext } from './actions/types';
import type { Connections } from './connections';
import { diffResource } from './diff-resources';
import { storedAttributes } from './fingerprint';
import { sourceAddressOf } from './model-sql';

/** What each importable type's ID is, for messages and the README. */
export const IMPORTABLE: Readonly<Record<string, string>> = {
  source: 'the name of its managed schema',
  sync: 'the name its tracking tables were made under (usually the sync name)',
};

export interface ImportRequest {
  address: string;
  id: string;
  desired: DesiredState;
  /** The state before the import (a fresh one when the workspace has none). */
  state: StateFile;
  connections: Connections;
}

/** Reads and checks the object; returns the record to put at `address`. Throws UserError when it cannot. */
export async function importResource(req: ImportRequest): Promise<ResourceState> {
  const { address, id } = req;
  const parsed = parseAddress(address);
  if (parsed === undefined)
    throw new UserError(
      `"${address}" is not a resource address`,
      'Write TYPE.NAME, e.g. `backflow import source.warehouse __segment_reverse_etl`.',
    );
  if (!(parsed.type in IMPORTABLE))
    throw new UserError(
      `${address}: a ${parsed.type} cannot be imported`,
      `Only objects Backflow keeps in a warehouse can be imported: ${importableList()}. ` +
        `A ${parsed.type} is made (or only checked and recorded) by \`backflow apply\`.`,
    );
  const desired = req.desired.resources.get(address);
  if (desired === undefined)
    throw new UserError(
      `Configuration for import target does not exist: ${address}`,
      `Declare ${address} in the configuration first; import adopts the object for a resource the ` +
        'configuration already describes. Nothing was imported.',
    );
  if (req.state.resources[address] !== undefined)
    throw new UserError(
      `Resource already managed by Backflow: ${address} is already in state`,
      `To import it again, remove it first with \`backflow state rm ${address}\`. Nothing was imported.`,
    );
  if (id.trim() === '' || id !== id.trim())
    throw new UserError(
      `${address}: the import ID ${JSON.stringify(id)} is empty or has surrounding spaces`,
      `Give ${IMPORTABLE[parsed.type]}.`,
    );
  const record: ResourceState = {
    type: desired.type,
    name: desired.name,
    attributes: storedAttributes(desired, req.state.salt),
    computed: {},
    dependencies: desired.dependsOn,
  };
  if (parsed.type === 'source') record.computed = await importSource(desired, id, req.connections);
  else {
    record.computed = await importSync(desired, id, req);
    if (id !== desired.name) record.tracking_key = id;
  }
  return record;
}

function importableList(): string {
  return Object.entries(IMPORTABLE)
    .map(([type, id]) => `${type} (ID: ${id})`)
    .join(', ');
}

/** The managed schema must exist and be the one config names; the grants a create checks must be there. */
async function importSource(
  r: DesiredResource,
  id: string,
  connections: Connections,
): Promise<Record<string, unknown>> {
  const schema = String(r.attributes.managed_schema);
  if (id !== schema)
    throw new UserError(
      `${r.address}: the import ID "${id}" is not the managed schema the configuration names ("${schema}")`,
      `Import the schema the configuration names (\`backflow import ${r.address} ${schema}\`), or set ` +
        `"managed_schema": "${id}" on ${r.address} first. Nothing was imported.`,
    );
  const adapter = await connections.get(r.address, r.attributes);
  const info = await adapter.testConnection();
  const grants = await adapter.checkGrants(schema);
  if (!grants.schema_exists)
    throw new UserError(
      `${r.address}: cannot import "${schema}": no such schema in ${info.database} on this warehouse`,
      `Check the name, and the source's settings (database, host). To make the schema instead, run ` +
        '`backflow apply`. Nothing was imported.',
    );
  if (grants.missing_grants.length > 0)
    throw new UserError(
      `${r.address}: the warehouse user lacks grants Backflow needs on "${schema}"`,
      `Ask an admin to run:\n${grants.missing_grants.map((g) => `  ${g}`).join('\n')}\n` +
        `(\`backflow source setup-sql ${r.name}\` prints the full setup.) Nothing was imported.`,
    );
  return {
    server_version: info.server_version,
    current_user: info.current_user,
    database: info.database,
    managed_schema_exists: true,
  };
}

/** The sync's tracking tables must exist in the managed schema of its model's source (both in state). */
async function importSync(
  r: DesiredResource,
  key: string,
  req: ImportRequest,
): Promise<Record<string, unknown>> {
  const model = String(r.attributes.model);
  const modelAddress = `model.${model}`;
  const modelState = req.state.resources[modelAddress];
  if (modelState === undefined)
    throw new UserError(
      `${r.address}: ${modelAddress} is not in state, so where its tracking lives is not known yet`,
      `Apply the model first (\`backflow apply -target=${modelAddress}\`), then import the sync. ` +
        'Nothing was imported.',
    );
  const sourceAddress = sourceAddressOf(modelState.attributes);
  if (req.state.resources[sourceAddress] === undefined)
    throw new UserError(
      `${r.address}: ${sourceAddress} is not in state`,
      `Import or apply it first (\`backflow import ${sourceAddress} SCHEMA\`). Nothing was imported.`,
    );
  const ctx: ActionContext = {
    change: diffResource(r, undefined, req.state.salt, r.address),
    desired: r,
    desiredState: req.desired,
    state: {
      get: (a) => req.state.resources[a],
      addresses: () => Object.keys(req.state.resources),
    },
    connections: req.connections,
  };
  const where = await trackingOf(ctx, model, key);
  if (where === undefined)
    throw new UserError(
      `${r.address}: ${sourceAddress}'s warehouse keeps no change tracking, so there is nothing to import`,
      'Run `backflow apply` to record the sync. Nothing was imported.',
    );
  const missing = await where.tracking.missingTables(where.target);
  if (missing.length > 0)
    throw new UserError(
      `${r.address}: cannot import "${key}": no tracking table ${missing.map((t) => `"${t}"`).join(' or ')} ` +
        `in schema "${where.target.schema}" of ${sourceAddress}`,
      'The ID is the name the sync was created under (its tables are records_ID and rejections_ID). ' +
        'To start tracking afresh instead, run `backflow apply`. Nothing was imported.',
    );
  return { ...(await syncComputed(ctx)), tracking_tables: true };
}
