/**
 * Entry point for Postgres sources. Importing this file loads no driver: `pg` is required inside
 * `connect`, so a workspace that never talks to Postgres never pays for (or trips over) it.
 */
import type { ReadSchema, WarehouseAdapter, WarehouseDialect, WarehouseSettings } from '../warehouse';
import type { PgModule } from './postgres-driver';
import { readPostgresSettings } from './postgres-settings';
import { postgresSetupSql } from './postgres-setup-sql';
import { assertPrintableNames } from '../setup-names';

export class PostgresDialect implements WarehouseDialect {
  readonly warehouse: string = 'postgres';

  setupSql(settings: WarehouseSettings, managedSchema: string, reads: readonly ReadSchema[] = []): string {
    assertPrintableNames(settings, managedSchema, reads);
    return postgresSetupSql(readPostgresSettings(settings), managedSchema, reads);
  }

  /** Returns at once; the session opens on first use, so `testConnection()` is where reachability shows. */
  async connect(settings: WarehouseSettings): Promise<WarehouseAdapter> {
    const typed = readPostgresSettings(settings);
    const pg = require('pg') as PgModule;
    const { PostgresAdapter } = require('./postgres-adapter') as typeof import('./postgres-adapter');
    return new PostgresAdapter(pg, typed);
  }
}
