/**
 * The pushed-down primary-key check: the key must be unique and never null in the model's rows. One query
 * per new or changed model, run by the warehouse (no rows come back to Backflow).
 */
import pLimit from 'p-limit';
import type { DesiredState } from '../config/desired';
import { error, type Diagnostic } from '../diagnostics';
import type { Connections } from './connections';
import { plannedPrimaryKey, plannedSql } from './model-sql';
import type { ResourceChange } from './plan';
import type { World } from './world';

export async function checkPrimaryKeys(
  changes: ResourceChange[],
  world: World,
  desired: DesiredState,
  connections: Connections,
): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const limit = pLimit(4);
  await Promise.all(
    changes.map((change) =>
      limit(async () => {
        const resource = desired.resources.get(change.address);
        const obs = world.models.get(change.address);
        const pk = plannedPrimaryKey(change.after, change.computed);
        const sql = plannedSql(change.after, change.computed);
        if (!resource || !obs || obs.error || typeof pk !== 'string' || sql === undefined) return;
        if (!obs.columns?.some((c) => c.name === pk)) return; // reported by validateModels
        const source = desired.resources.get(obs.source);
        if (!source) return;
        try {
          const adapter = await connections.get(obs.source, source.attributes);
          const r = await adapter.checkPrimaryKey(sql, pk);
          const problems: string[] = [];
          const duplicates = r.total - r.nulls - r.distinct;
          if (duplicates > 0) problems.push(`${duplicates} duplicate value${duplicates === 1 ? '' : 's'}`);
          if (r.nulls > 0) problems.push(`${r.nulls} null value${r.nulls === 1 ? '' : 's'}`);
          change.computed = { ...change.computed, primary_key_check: r };
          if (problems.length > 0) {
            diagnostics.push(
              error(
                `${change.address}: primary key "${pk}" is not unique and non-null: ${problems.join(' and ')} in ${r.total} rows`,
                {
                  address: change.address,
                  file: resource.origin.file,
                  path: `${resource.origin.path}.primary_key`,
                  construct: resource.origin.construct,
                  detail: `Reverse ETL tracks changes by primary key, so each row needs a distinct, non-null "${pk}". Choose another column, or fix the model's SQL.`,
                },
              ),
            );
          }
        } catch (err) {
          diagnostics.push(
            error(`${change.address}: primary key check failed: ${(err as Error).message}`, {
              address: change.address,
            }),
          );
        }
      }),
    ),
  );
  return diagnostics;
}
