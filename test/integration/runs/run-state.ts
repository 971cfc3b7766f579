/**
 * An applied state for run tests: one Postgres source (the test database), one SQL model, one webhook
 * destination and one sync — what `backflow apply` would have recorded.
 */
import type { StateFile } from '../../../src/state/types';
import type { TestSettings } from '../../helpers/pg';

export interface RunStateOptions {
  settings: TestSettings;
  url: string;
  query: string;
  columns: string[];
  primaryKey?: string;
  mode?: 'upsert' | 'mirror';
  mapping?: Record<string, string>;
  schema?: string;
  sync?: string;
  destination?: Record<string, unknown>;
  syncEnabled?: boolean;
  modelEnabled?: boolean;
}

export function runState(o: RunStateOptions): StateFile {
  const sync = o.sync ?? 'users_to_hook';
  const { password, ...settings } = o.settings;
  const res = (type: string, name: string, attributes: Record<string, unknown>, computed = {}) => ({
    type: type as never,
    name,
    attributes,
    computed,
    dependencies: [],
  });
  return {
    format_version: 1,
    backflow_version: 'test',
    lineage: 'runs',
    serial: 1,
    salt: 'ab'.repeat(32),
    resources: {
      'source.warehouse': res('source', 'warehouse', {
        warehouse: 'postgres',
        settings: {
          ...settings,
          ...(password !== undefined
            ? { password: { $sensitive: { ref: { env: 'RUNS_TEST_PG_PASSWORD' }, fingerprint: '' } } }
            : {}),
        },
        managed_schema: o.schema ?? '__segment_reverse_etl',
      }),
      'model.users': res(
        'model',
        'users',
        {
          source: 'warehouse',
          name: 'Users',
          query: o.query,
          primary_key: o.primaryKey ?? 'id',
          enabled: o.modelEnabled ?? true,
        },
        { columns: o.columns.map((name) => ({ name, type: 'text' })), effective_sql: o.query },
      ),
      'destination.hook': res(
        'destination',
        'hook',
        o.destination ?? { type: 'webhook', url: o.url, headers: {} },
      ),
      [`sync.${sync}`]: res('sync', sync, {
        model: 'users',
        destination: 'hook',
        enabled: o.syncEnabled ?? true,
        mode: o.mode ?? 'upsert',
        schedule: { strategy: 'manual' },
        mapping: o.mapping ?? {},
      }),
    },
  };
}
