/**
 * Primary-key candidates of a model, in this order: a `primary_key` constraint (model-level columns, or a
 * column-level constraint), a `dbt_constraints.primary_key` test, a column proven both unique and not null
 * by tests — `unique` / `not_null` on the column or at model level with `column_name`, their
 * dbt_expectations (`expect_column_values_to_be_unique`, `expect_column_values_to_not_be_null`) and
 * dbt_constraints (`unique_key`) forms — and the columns of a multi-column uniqueness test
 * (`dbt_utils.unique_combination_of_columns`, `dbt_expectations.expect_compound_columns_to_be_unique`;
 * one column of those also needs a not-null test to be a key). A test with a `where` or disabled proves
 * nothing about every row and is not counted. The same set of columns found twice is listed once, under
 * its first source.
 */
import type { PrimaryKeyCandidate } from './catalog';
import type { ColumnSpec, ConstraintSpec, TestSpec } from './properties';

export interface KeyEvidence {
  columns: Pick<ColumnSpec, 'name' | 'tests' | 'primaryKey'>[];
  modelTests: TestSpec[];
  constraints: ConstraintSpec[];
}

const UNIQUE = new Set([
  'unique',
  'dbt_expectations.expect_column_values_to_be_unique',
  'dbt_constraints.unique_key',
]);
const NOT_NULL = new Set(['not_null', 'dbt_expectations.expect_column_values_to_not_be_null']);
const PRIMARY_KEY_TEST = 'dbt_constraints.primary_key';
const COMBINATIONS: Record<string, PrimaryKeyCandidate['from']> = {
  'dbt_utils.unique_combination_of_columns': 'dbt_utils.unique_combination_of_columns',
  'dbt_expectations.expect_compound_columns_to_be_unique':
    'dbt_expectations.expect_compound_columns_to_be_unique',
};

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

  // What the tests prove about each column, from column-level tests and model-level ones naming a column.
  const proofs = new Map<string, Set<string>>();
  const prove = (column: string, test: TestSpec) => {
    if (test.conditional) return;
    const p = proofs.get(column) ?? new Set<string>();
    proofs.set(column, p);
    if (UNIQUE.has(test.name)) p.add('unique');
    if (NOT_NULL.has(test.name)) p.add('not_null');
    if (test.name === PRIMARY_KEY_TEST) p.add('primary_key');
  };
  for (const col of e.columns) for (const t of col.tests) prove(col.name, t);
  for (const t of e.modelTests) {
    if (t.column !== undefined) prove(t.column, t);
    else if (t.name === PRIMARY_KEY_TEST && t.combination?.length === 1) prove(t.combination[0], t);
  }
  for (const t of e.modelTests) {
    if (t.name === PRIMARY_KEY_TEST && !t.conditional && t.combination && t.combination.length > 1) {
      add(t.combination, 'dbt_constraints.primary_key');
    }
  }
  for (const [column, p] of proofs) if (p.has('primary_key')) add([column], 'dbt_constraints.primary_key');
  for (const [column, p] of proofs) if (p.has('unique') && p.has('not_null')) add([column], 'tests');
  for (const t of e.modelTests) {
    const from = COMBINATIONS[t.name];
    if (!from || !t.combination || t.conditional) continue;
    if (t.combination.length > 1) add(t.combination, from);
    else if (proofs.get(t.combination[0])?.has('not_null')) add(t.combination, from);
  }
  return out;
}
