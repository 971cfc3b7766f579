/**
 * Plan-time checks of models against what refresh saw: the SQL runs, and the primary key is one of its
 * columns. Pure given the World; the pushed-down uniqueness check lives in primary-keys.ts.
 */
import { closest } from 'fastest-levenshtein';
import type { DesiredState } from '../config/desired';
import { error, type Diagnostic } from '../diagnostics';
import type { ResourceChange } from './plan';
import { plannedPrimaryKey, plannedSql, sqlHash } from './model-sql';
import type { World } from './world';

/** Models whose output this plan creates or changes: the ones to check against the warehouse. */
export function modelsToCheck(changes: Iterable<ResourceChange>): ResourceChange[] {
  return [...changes].filter(
    (c) =>
      c.type === 'model' &&
      (c.action === 'create' ||
        c.action === 'replace' ||
        (c.action === 'update' &&
          c.changed.some((a) => a === 'query' || a === 'dbt_model' || a === 'primary_key'))),
  );
}

export function validateModels(changes: ResourceChange[], world: World, desired: DesiredState): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  if (!world.refreshed) return diagnostics;
  for (const change of changes) {
    const resource = desired.resources.get(change.address);
    if (!resource || !change.after) continue;
    const { file, path, construct } = resource.origin;
    const where = { address: change.address, file, path, construct };
    const sql = plannedSql(change.after, change.computed);
    const obs = world.models.get(change.address);
    if (sql === undefined || !obs || world.sources.get(obs.source)?.error) continue;
    if (obs.error) {
      diagnostics.push(
        error(`${change.address}: the query fails on ${obs.source}`, {
          ...where,
          path: `${resource.origin.path}.query`,
          detail: `The warehouse said: ${obs.error}\nFix the SQL; \`backflow preview\` runs it with a row limit.`,
        }),
      );
      continue;
    }
    const columns = obs.columns ?? [];
    change.computed = { ...change.computed, columns, sql_hash: sqlHash(sql) };
    const pk = plannedPrimaryKey(change.after, change.computed);
    if (typeof pk === 'string' && !columns.some((c) => c.name === pk)) {
      const names = columns.map((c) => c.name);
      const guess = names.length > 0 ? closest(pk, names) : undefined;
      diagnostics.push(
        error(
          `${change.address}: primary key "${pk}" is not a column of the model${guess ? `; did you mean "${guess}"?` : ''}`,
          {
            ...where,
            path: `${resource.origin.path}.primary_key`,
            detail: `The model's columns are: ${names.join(', ') || '(none)'}.`,
          },
        ),
      );
    }
  }
  return diagnostics;
}
