/**
 * A model is defined by exactly one of `query` or `dbt_model`, and a query model names its primary key.
 */
import { error, type Diagnostic } from '../../diagnostics';
import { attr, resourcesOf, type RuleContext } from './context';

export function modelHasOneDefinition(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const model of resourcesOf(ctx, 'model')) {
    const query = attr(model, 'query') !== undefined;
    const dbt = attr(model, 'dbt_model') !== undefined;
    if (query && dbt) {
      out.push(
        error(`${model.address}: give either query or dbt_model, not both`, {
          ...ctx.at(model.address, ['dbt_model']),
          detail: 'A model reads either a dbt model of a Git sync, or the rows of a SQL query.',
        }),
      );
    } else if (!query && !dbt) {
      out.push(
        error(`${model.address}: give one of query or dbt_model`, {
          ...ctx.at(model.address),
          detail: 'Either "dbt_model": { "git_sync": "...", "name": "..." } or "query": "select ...".',
        }),
      );
    }
  }
  return out;
}

export function queryModelHasPrimaryKey(ctx: RuleContext): Diagnostic[] {
  return resourcesOf(ctx, 'model')
    .filter((m) => attr(m, 'query') !== undefined && attr(m, 'primary_key') === undefined)
    .map((m) =>
      error(`${m.address}: a query model needs primary_key`, {
        ...ctx.at(m.address),
        detail:
          'Name the column that identifies a row (unique and not null), e.g. "primary_key": "order_id".',
      }),
    );
}
