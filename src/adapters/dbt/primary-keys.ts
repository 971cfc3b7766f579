/**
 * Primary-key candidates of a model, in this order: a `primary_key` constraint (model-level columns, or a
 * column-level constraint), a column with both `unique` and `not_null` tests, and the columns of a
 * `dbt_utils.unique_combination_of_columns` test. A test with a `where` or disabled proves nothing about
 * every row and is not counted. The same set of columns found twice is listed once, under its first source.
 */
import type { PrimaryKeyCandidate } from './catalog';
import type { ColumnSpec, ConstraintSpec, TestSpec } from './properties';

export interface KeyEvidence {
  columns: Pick<ColumnSpec, 'name' | 'tests' | 'primaryKey'>[];
  modelTests: TestSpec[];
  constraints: ConstraintSpec[];
}

export function primaryKeyCandidates(e: KeyEvidence): PrimaryKeyCandidate[] {
  const out: PrimaryKeyCandidate[] = [];
  const seen = new Set<string>();
  const add = (columns: string[], from: PrimaryKeyCandidate['from']) => {
    if (columns.length === 0) return;
    const key = JSON.stringify([...columns].sort());
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ columns, from });
  };
  for (const c of e.constraints) if (c.type === 'primary_key') add(c.columns, 'constraint');
  for (const col of e.columns) if (col.primaryKey) add([col.name], 'constraint');
  for (const col of e.columns) {
    const proven = new Set(col.tests.filter((t) => !t.conditional).map((t) => t.name));
    if (proven.has('unique') && proven.has('not_null')) add([col.name], 'tests');
  }
  for (const t of e.modelTests) {
    if (t.name === 'dbt_utils.unique_combination_of_columns' && t.combination && !t.conditional) {
      add(t.combination, 'dbt_utils.unique_combination_of_columns');
    }
  }
  return out;
}
