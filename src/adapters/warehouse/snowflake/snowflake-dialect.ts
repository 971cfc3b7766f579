/**
 * Entry point for Snowflake sources. Importing this file loads no SDK: snowflake-sdk (and its import-time
 * side effects) is required inside `connect`, so a workspace without Snowflake sources never loads it.
 */
import type { ReadSchema, WarehouseAdapter, WarehouseDialect, WarehouseSettings } from '../warehouse';
import { readSnowflakeSettings } from './snowflake-settings';
import { readSnowflakeNames, snowflakeSetupSql } from './snowflake-setup-sql';
import { assertPrintableNames } from '../setup-names';

export class SnowflakeDialect implements WarehouseDialect {
  readonly warehouse: string = 'snowflake';

  setupSql(settings: WarehouseSettings, managedSchema: string, reads: readonly ReadSchema[] = []): string {
    assertPrintableNames(settings, managedSchema, reads);
    return snowflakeSetupSql(readSnowflakeNames(settings), managedSchema, reads);
  }

  /** Checks settings (and the private key) now; signs in on first use. */
  async connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
    const typed = readSnowflakeSettings(settings);
    const { loadSnowflakeSdk } = require('./snowflake-driver') as typeof import('./snowflake-driver');
    const { SnowflakeAdapter } = require('./snowflake-adapter') as typeof import('./snowflake-adapter');
    return new SnowflakeAdapter(loadSnowflakeSdk(), typed);
  }
}
