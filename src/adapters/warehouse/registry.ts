/**
 * Every warehouse Backflow knows, by the name used in a source's `warehouse` attribute. Adding a
 * warehouse means one folder under src/adapters/warehouse/ and one line here. Dialects load their SDKs
 * lazily, so listing them here costs nothing at startup.
 */
import { UserError } from '../../errors';
import { BigQueryDialect } from './bigquery/bigquery-dialect';
import { DatabricksDialect } from './databricks/databricks-dialect';
import { PostgresDialect } from './postgres/postgres-dialect';
import { RedshiftDialect } from './redshift/redshift-dialect';
import { SnowflakeDialect } from './snowflake/snowflake-dialect';
import type { WarehouseDialect } from './warehouse';

const DIALECTS: Record<string, () => WarehouseDialect> = {
  postgres: () => new PostgresDialect(),
  redshift: () => new RedshiftDialect(),
  snowflake: () => new SnowflakeDialect(),
  bigquery: () => new BigQueryDialect(),
  databricks: () => new DatabricksDialect(),
};

/** Warehouses with an implemented adapter, for validation messages and help text. */
export function supportedWarehouses(): string[] {
  return Object.keys(DIALECTS);
}

export function getDialect(warehouse: string): WarehouseDialect {
  const make = Object.prototype.hasOwnProperty.call(DIALECTS, warehouse) ? DIALECTS[warehouse] : undefined;
  if (!make) {
    throw new UserError(
      `unknown or unsupported warehouse ${JSON.stringify(warehouse)}`,
      `Supported warehouses: ${supportedWarehouses().join(', ')}.`,
    );
  }
  return make();
}
