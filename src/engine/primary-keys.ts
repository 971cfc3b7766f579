/**
 * The pushed-down primary-key check: the key must be unique and never null in the model's rows. Run by the
 * warehouse (no rows come back to Backflow), for every new or changed model: batched per source when the
 * adapter can (Postgres, Redshift: hundreds of checks per round trip), else one query per model.
 */
import pLimit from 'p-limit';
import type { PrimaryKeyCheck, WarehouseAdapter } from '../adapters/warehouse/warehouse';
import type { DesiredState } from '../config/desired';
import type { DesiredResource } from '../config/desired';
import { error, type Diagnostic } from '../diagnostics';
import { pushTo } from '../graph/multimap';
import type { Connections } from './connections';
import { plannedPrimaryKey, plannedSql } from './model-sql';
import type { ResourceChange } from './plan';
import type { World } from './world';

interface Check {
  change: ResourceChange;
  resource: DesiredResource;
  sql: string;
  pk: string;
}

export async function checkPrimaryKeys(
  changes: ResourceChange[],
  world: World,
  desired: DesiredState,
  connections: Connections,
): Promise<Diagnostic[]> {
  const bySource = new Map<string, Check[]>();
  for (const change of changes) {
    const resource = desired.resources.get(change.address);
    const obs = world.models.get(change.address);
    const pk = plannedPrimaryKey(change.after, change.computed);
    const sql = plannedSql(change.after, change.computed);
    if (!resource || !obs || obs.error || typeof pk !== 'string' || sql === undefined) continue;
    if (!obs.columns?.some((c) => c.name === pk)) continue; // reported by validateModels
    if (!desired.resources.has(obs.source)) continue;
    pushTo(bySource, obs.source, { change, resource, sql, pk });
  }
  const outcomes = new Map<ResourceChange, PrimaryKeyCheck | Error>();
  await Promise.all(
    [...bySource].map(async ([source, checks]) => {
      try {
        const adapter = await connections.get(source, desired.resources.get(source)!.attributes);
        const results = await runChecks(adapter, checks);
        checks.forEach((c, i) => outcomes.set(c.change, results[i]));
      } catch (err) {
        for (const c of checks) outcomes.set(c.change, err as Error);
      }
    }),
  );
  // In plan order, whatever order the warehouses answered in.
  const diagnostics: Diagnostic[] = [];
  for (const checks of bySource.values()) {
    for (const c of checks) {
      const d = diagnose(c, outcomes.get(c.change)!);
      if (d !== undefined) diagnostics.push(d);
    }
  }
  return diagnostics;
}

function runChecks(adapter: WarehouseAdapter, checks: Check[]): Promise<(PrimaryKeyCheck | Error)[]> {
  const requests = checks.map((c) => ({ sql: c.sql, column: c.pk }));
  if (adapter.checkPrimaryKeys) return adapter.checkPrimaryKeys(requests);
  const limit = pLimit(4);
  return Promise.all(
    requests.map((r) => limit(() => adapter.checkPrimaryKey(r.sql, r.column).catch((err: Error) => err))),
  );
}

function diagnose({ change, resource, pk }: Check, r: PrimaryKeyCheck | Error): Diagnostic | undefined {
  if (r instanceof Error) {
    return error(`${change.address}: primary key check failed: ${r.message}`, { address: change.address });
  }
  change.computed = { ...change.computed, primary_key_check: r };
  const problems: string[] = [];
  const duplicates = r.total - r.nulls - r.distinct;
  if (duplicates > 0) problems.push(`${duplicates} duplicate value${duplicates === 1 ? '' : 's'}`);
  if (r.nulls > 0) problems.push(`${r.nulls} null value${r.nulls === 1 ? '' : 's'}`);
  if (problems.length === 0) return undefined;
  return error(
    `${change.address}: primary key "${pk}" is not unique and non-null: ${problems.join(' and ')} in ${r.total} rows`,
    {
      address: change.address,
      file: resource.origin.file,
      path: `${resource.origin.path}.primary_key`,
      construct: resource.origin.construct,
      detail: `Reverse ETL tracks changes by primary key, so each row needs a distinct, non-null "${pk}". Choose another column, or fix the model's SQL.`,
    },
  );
}
