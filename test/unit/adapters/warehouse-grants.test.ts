/** The grants rules of Snowflake and Databricks, as data: what counts, and the exact statements printed. */
import { missingGrants as databricksMissing } from '../../../src/adapters/warehouse/databricks/databricks-grants';
import {
  missingGrants as snowflakeMissing,
  type GrantRow,
} from '../../../src/adapters/warehouse/snowflake/snowflake-grants';

const needs = { role: 'BACKFLOW_ROLE', warehouse: 'WH', database: 'DB', schema: '__SEGMENT_REVERSE_ETL' };
const g = (privilege: string, grantedOn: string, ...name: string[]): GrantRow => ({
  privilege,
  grantedOn,
  name,
});

describe('Snowflake', () => {
  test('nothing granted: every statement, the schema created by an admin', () => {
    expect(snowflakeMissing([], needs)).toEqual({
      schema_exists: false,
      missing_grants: [
        'GRANT USAGE ON WAREHOUSE "WH" TO ROLE "BACKFLOW_ROLE";',
        'GRANT USAGE ON DATABASE "DB" TO ROLE "BACKFLOW_ROLE";',
        'CREATE SCHEMA IF NOT EXISTS "DB"."__SEGMENT_REVERSE_ETL";',
        'GRANT USAGE, CREATE TABLE ON SCHEMA "DB"."__SEGMENT_REVERSE_ETL" TO ROLE "BACKFLOW_ROLE";',
      ],
    });
  });

  test('ownership covers every privilege; CREATE SCHEMA lets Backflow create the schema itself', () => {
    expect(
      snowflakeMissing(
        [
          g('OWNERSHIP', 'WAREHOUSE', 'WH'),
          g('USAGE', 'DATABASE', 'DB'),
          g('CREATE SCHEMA', 'DATABASE', 'DB'),
        ],
        needs,
      ),
    ).toEqual({ schema_exists: false, missing_grants: [] });
    expect(
      snowflakeMissing(
        [
          g('USAGE', 'WAREHOUSE', 'WH'),
          g('USAGE', 'DATABASE', 'DB'),
          g('USAGE', 'SCHEMA', 'DB', '__SEGMENT_REVERSE_ETL'),
        ],
        needs,
      ),
    ).toEqual({
      schema_exists: true,
      missing_grants: ['GRANT CREATE TABLE ON SCHEMA "DB"."__SEGMENT_REVERSE_ETL" TO ROLE "BACKFLOW_ROLE";'],
    });
  });
});

describe('Databricks', () => {
  const rows = (...extra: [string, string][]) =>
    [['user', 'sp@x'], ...extra].map(([kind, value]) => ({ kind, value }));

  test('catalog grants are inherited by the schema; ownership and ALL PRIVILEGES count', () => {
    expect(
      databricksMissing(rows(['catalog', 'USE CATALOG'], ['catalog', 'CREATE SCHEMA']), 'main', 's'),
    ).toEqual({
      schema_exists: false,
      missing_grants: [],
      user: 'sp@x',
    });
    expect(
      databricksMissing(rows(['catalog', 'ALL PRIVILEGES'], ['schema_exists', 'yes']), 'main', 's')
        .missing_grants,
    ).toEqual([]);
    expect(
      databricksMissing(rows(['catalog_owner', 'yes'], ['schema_exists', 'yes']), 'main', 's').missing_grants,
    ).toEqual([]);
  });

  test('missing privileges give the exact GRANTs', () => {
    expect(
      databricksMissing(rows(['schema_exists', 'yes'], ['schema', 'USE SCHEMA']), 'main', 's').missing_grants,
    ).toEqual([
      'GRANT USE CATALOG ON CATALOG `main` TO `sp@x`;',
      'GRANT CREATE TABLE ON SCHEMA `main`.`s` TO `sp@x`;',
    ]);
  });
});
