/**
 * Redshift settings are Postgres settings (the same wire protocol and `pg` client) with Redshift's default
 * port, 5439. Redshift accepts plain connections unless the cluster sets require_ssl; "require" encrypts.
 */
import { UserError } from '../../../errors';
import type { WarehouseSettings } from '../warehouse';
import { readPostgresSettings, type PostgresSettings } from '../postgres/postgres-settings';

export type RedshiftSettings = PostgresSettings;

export function readRedshiftSettings(settings: WarehouseSettings): RedshiftSettings {
  try {
    return readPostgresSettings({ ...settings, port: settings.port ?? 5439 });
  } catch (err) {
    if (err instanceof UserError) {
      throw new UserError(err.message.replace(/^postgres settings/, 'redshift settings'), err.hint);
    }
    throw err;
  }
}
