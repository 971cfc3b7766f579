/** Quoting, literals, statement checks and name fitting for Snowflake, BigQuery, Databricks and Redshift. */
import * as bq from '../../../src/adapters/warehouse/bigquery/bigquery-sql';
import * as dbx from '../../../src/adapters/warehouse/databricks/databricks-sql';
import * as rs from '../../../src/adapters/warehouse/redshift/redshift-sql';
import * as sf from '../../../src/adapters/warehouse/snowflake/snowflake-sql';
import { splitAtMarkers, batchBySize } from '../../../src/adapters/warehouse/describe-batch';

describe('Snowflake names follow Snowflake case rules', () => {
  test.each([
    ['__segment_reverse_etl', '__SEGMENT_REVERSE_ETL'],
    ['analytics', 'ANALYTICS'],
    ['Mixed_Case$1', 'MIXED_CASE$1'],
    ['"Quoted Case"', 'Quoted Case'],
    ['"a""b"', 'a"b'],
    ['has space', 'has space'],
    ['ünïcode', 'ünïcode'],
    ['1starts_with_digit', '1starts_with_digit'],
  ])('%s → %s', (input, stored) => expect(sf.resolveIdentifier(input)).toBe(stored));

  test('quoting and literals (backslash is an escape in Snowflake strings)', () => {
    expect(sf.quoteIdent('a"b')).toBe('"a""b"');
    expect(sf.quoteName('backflow_role')).toBe('"BACKFLOW_ROLE"');
    expect(sf.quoteLiteral("it's a\\b")).toBe("'it''s a\\\\b'");
    expect(() => sf.quoteIdent('')).toThrow(/empty/);
  });

  test('SHOW GRANTS names are split and unquoted', () => {
    expect(sf.splitQualifiedName('DB.SCHEMA')).toEqual(['DB', 'SCHEMA']);
    expect(sf.splitQualifiedName('DB."odd.schema ""x"""')).toEqual(['DB', 'odd.schema "x"']);
    expect(sf.splitQualifiedName('"x.y".S.T')).toEqual(['x.y', 'S', 'T']);
    expect(sf.splitQualifiedName('WH')).toEqual(['WH']);
  });

  test('statements: $$ strings and // comments hide semicolons; a second statement is refused', () => {
    expect(sf.snowflakeStatement('select $$a;b$$ as x // c;\n')).toBe('select $$a;b$$ as x // c;\n');
    expect(sf.snowflakeStatement("select 'a\\';b' as x;")).toBe("select 'a\\';b' as x");
    expect(() => sf.snowflakeStatement('select 1; drop table t')).toThrow(/single statement/);
    expect(sf.fitIdentifier('x'.repeat(300))).toHaveLength(255);
  });
});

describe('BigQuery', () => {
  test('backticks escape with a backslash; strings too', () => {
    expect(bq.quoteIdent('a`b\\c')).toBe('`a\\`b\\\\c`');
    expect(bq.quoteLiteral("it's\\")).toBe("'it\\'s\\\\'");
    expect(bq.qualified('p-1', 'ds', 't')).toBe('`p-1`.`ds`.`t`');
    expect(() => bq.quoteIdent('a\nb')).toThrow(/control character/);
  });

  test('# comments, triple-quoted strings and escaped quotes hide semicolons', () => {
    expect(bq.bigQueryStatement("select '''a;b''' as x # c;")).toBe("select '''a;b''' as x # c;");
    expect(bq.bigQueryStatement('select "a\\";b" as x')).toBe('select "a\\";b" as x');
    expect(bq.bigQueryStatement('select `a;b` from t;')).toBe('select `a;b` from t');
    expect(() => bq.bigQueryStatement('select 1; select 2')).toThrow(/single statement/);
  });

  test('snapshot table names are made valid without collisions', () => {
    expect(bq.fitTableName('snapshot_active users-ünï')).toBe('snapshot_active users-ünï');
    const a = bq.fitTableName('snapshot_x"; drop');
    const b = bq.fitTableName("snapshot_x'; drop");
    expect(a).toMatch(/^snapshot_x___drop_[0-9a-f]{10}$/);
    expect(a).not.toBe(b);
  });
});

describe('Databricks', () => {
  test('backticks are doubled; strings escape with backslashes', () => {
    expect(dbx.quoteIdent('a`b')).toBe('`a``b`');
    expect(dbx.quoteLiteral("it's\\")).toBe("'it\\'s\\\\'");
    expect(dbx.databricksStatement('select `a;b`, "c;d" from t;')).toBe('select `a;b`, "c;d" from t');
  });

  test('schema and table names as Unity Catalog stores them', () => {
    expect(dbx.ucName('Marts_EU')).toBe('marts_eu');
    expect(dbx.fitTableName('snapshot_active_users')).toBe('snapshot_active_users');
    expect(dbx.fitTableName('snapshot_Active_Users')).toBe('snapshot_active_users');
    expect(dbx.fitTableName('snapshot_x; drop')).toMatch(/^snapshot_x__drop_[0-9a-f]{10}$/);
  });
});

describe('Redshift', () => {
  test('literals double backslashes and quotes (no E strings)', () => {
    expect(rs.quoteLiteral("a\\b'c")).toBe("'a\\\\b''c'");
    expect(Buffer.byteLength(rs.fitIdentifier('é'.repeat(100)))).toBeLessThanOrEqual(127);
  });

  test('version() names Redshift', () => {
    expect(rs.redshiftVersion('PostgreSQL 8.0.2 on i686-pc-linux-gnu, ... Redshift 1.0.77467')).toBe(
      'Redshift 1.0.77467',
    );
    expect(rs.redshiftVersion('PostgreSQL 17.2 on x86_64-pc-linux-gnu')).toBeUndefined();
  });
});

describe('batched describe', () => {
  test('columns are split at the markers; a foreign result is refused', () => {
    const cols = ['m1', 'a', 'b', 'm2', 'c'].map((name) => ({ name }));
    expect(splitAtMarkers(cols, ['m1', 'm2'])).toEqual([[{ name: 'a' }, { name: 'b' }], [{ name: 'c' }]]);
    expect(() => splitAtMarkers([{ name: 'x' }], ['m1'])).toThrow(/not a marker/);
  });

  test('batches stay under the size cap', () => {
    expect(batchBySize([1, 2, 3, 4], () => 100, 350).map((b) => b.length)).toEqual([2, 2]);
    // Each item counts its size + 64: two of 100 fill 328 exactly; an item alone over the cap is alone.
    expect(batchBySize([1, 2, 3], () => 100, 328).map((b) => b.length)).toEqual([2, 1]);
    expect(batchBySize([1, 2, 3], () => 100, 327).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(batchBySize([1, 2, 3], () => 400, 100).map((b) => b.length)).toEqual([1, 1, 1]);
    expect(
      batchBySize(
        Array.from({ length: 1000 }, () => 1),
        () => 100,
        900_000,
      ),
    ).toHaveLength(1);
  });
});
