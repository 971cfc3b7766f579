/**
 * Entry point for Databricks sources. Importing this file loads no driver: @databricks/sql (and its Thrift
 * code) is required inside `connect`.
 */
import type { ReadSchema, WarehouseAdapter, WarehouseDialect, WarehouseSettings } from '../warehouse';
import { readDatabricksSettings } from './databricks-settings';
import { databricksSetupSql, readDatabricksNames } from './databricks-setup-sql';
import { assertPrintableNames } from '../setup-names';

export class DatabricksDialect implements WarehouseDialect {
  readonly warehouse: string = 'databricks';

  setupSql(settings: WarehouseSettings, managedSchema: string, reads: readonly ReadSchema[] = []): string {
    assertPrintableNames(settings, managedSchema, reads);
    return databricksSetupSql(readDatabricksNames(settings), managedSchema, reads);
  }

  async connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
    const typed = readDatabricksSettings(settings);
    // The driver posts usage telemetry to the workspace unless told not to.
    process.env.DATABRICKS_TELEMETRY_DISABLED ??= '1';
    const sql = require('@databricks/sql') as typeof import('@databricks/sql');
    const { DatabricksAdapter } = require('./databricks-adapter') as typeof import('./databricks-adapter');
    return new DatabricksAdapter(sql, typed);
  }
}
