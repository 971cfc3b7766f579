/**
 * Primary-key candidates from the tests real projects write: model-level `unique` / `not_null` naming
 * `column_name`, dbt_constraints and dbt_expectations tests, and what does not prove a key (a `where`, only
 * one of unique / not null, a disabled test).
 */
import { load, project } from './helpers';

async function candidates(props: string) {
  const c = await load(
    project({ 'models/m.sql': 'select 1', 'models/p.yml': `models:\n  - name: m\n${props}` }),
  );
  return c.models[0].primaryKeyCandidates.map((k) => `${k.columns.join('+')} (${k.from})`);
}

describe('dbt loader: primary-key candidates from tests', () => {
  it('takes model-level unique and not_null tests that name column_name', async () => {
    expect(
      await candidates(
        '    tests:\n      - unique:\n          column_name: id\n      - not_null:\n          column_name: id\n      - unique:\n          column_name: email\n',
      ),
    ).toEqual(['id (tests)']);
  });

  it('reads dbt 1.10 arguments: and mixes model-level and column-level tests', async () => {
    expect(
      await candidates(
        '    data_tests:\n      - unique:\n          arguments:\n            column_name: order_id\n    columns:\n      - name: order_id\n        data_tests: [not_null]\n',
      ),
    ).toEqual(['order_id (tests)']);
  });

  it('takes dbt_constraints.primary_key (one column or several) and unique_key + not_null', async () => {
    expect(
      await candidates(
        '    tests:\n      - dbt_constraints.primary_key:\n          column_name: pk\n      - dbt_constraints.primary_key:\n          column_names: [a, b]\n    columns:\n      - name: code\n        tests: [dbt_constraints.unique_key, not_null]\n',
      ),
    ).toEqual(['a+b (dbt_constraints.primary_key)', 'pk (dbt_constraints.primary_key)', 'code (tests)']);
  });

  it('takes dbt_expectations uniqueness and not-null tests', async () => {
    expect(
      await candidates(
        '    tests:\n      - dbt_expectations.expect_compound_columns_to_be_unique:\n          column_list: [day, shop]\n    columns:\n      - name: sku\n        tests:\n          - dbt_expectations.expect_column_values_to_be_unique\n          - dbt_expectations.expect_column_values_to_not_be_null\n',
      ),
    ).toEqual(['sku (tests)', 'day+shop (dbt_expectations.expect_compound_columns_to_be_unique)']);
  });

  it('does not count a test with a where, a disabled one, or uniqueness alone', async () => {
    expect(
      await candidates(
        '    tests:\n      - unique:\n          column_name: a\n          config:\n            where: "x > 1"\n      - not_null:\n          column_name: a\n      - dbt_constraints.primary_key:\n          column_name: b\n          config:\n            enabled: false\n      - dbt_utils.unique_combination_of_columns:\n          combination_of_columns: [c]\n    columns:\n      - name: d\n        tests: [unique]\n',
      ),
    ).toEqual([]);
  });
});
