/**
 * Entry point for Redshift sources: `pg` (the Postgres wire protocol) is required inside `connect`.
 */
import type { ReadSchema, WarehouseAdapter, WarehouseDialect, WarehouseSettings } from '../warehouse';
import type { PgModule } from '../postgres/postgres-driver';
import { readRedshiftSettings } from './redshift-settings';
import { redshiftSetupSql } from './redshift-setup-sql';
import { assertPrintableNames } from '../setup-names';

export class RedshiftDialect implements WarehouseDialect {
  readonly warehouse: string = 'redshift';

  setupSql(settings: WarehouseSettings, managedSchema: string, reads: readonly ReadSchema[] = []): string {
    assertPrintableNames(settings, managedSchema, reads);
    return redshiftSetupSql(readRedshiftSettings(settings), managedSchema, reads);
  }

  async connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
    const typed = readRedshiftSettings(settings);
    const pg = require('pg') as PgModule;
    const { RedshiftAdapter } = require('./redshift-adapter') as typeof import('./redshift-adapter');
    return new RedshiftAdapter(pg, typed);
  }
}
