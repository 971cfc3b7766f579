/**
 * Entry point for BigQuery sources. Importing this file loads neither @google-cloud/bigquery nor
 * google-auth-library: both are required inside `connect`.
 */
import type { ReadSchema, WarehouseAdapter, WarehouseDialect, WarehouseSettings } from '../warehouse';
import { readBigQuerySettings } from './bigquery-settings';
import { bigQuerySetupSql, readBigQueryNames } from './bigquery-setup-sql';
import { assertPrintableNames } from '../setup-names';

export class BigQueryDialect implements WarehouseDialect {
  readonly warehouse: string = 'bigquery';

  setupSql(settings: WarehouseSettings, managedSchema: string, reads: readonly ReadSchema[] = []): string {
    assertPrintableNames(settings, managedSchema, reads);
    return bigQuerySetupSql(readBigQueryNames(settings), managedSchema, reads);
  }

  async connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
    const typed = readBigQuerySettings(settings);
    const bigquery = require('@google-cloud/bigquery') as typeof import('@google-cloud/bigquery');
    const auth = require('google-auth-library') as typeof import('google-auth-library');
    const { BigQueryAdapter } = require('./bigquery-adapter') as typeof import('./bigquery-adapter');
    return new BigQueryAdapter(bigquery, auth, typed);
  }
}
