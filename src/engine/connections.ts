/**
 * One warehouse connection per source per run, opened on first use and closed at the end. Settings come
 * from the source's attributes (config, or state for a source removed from config) with secrets read
 * again from their references, so destroy works for sources that are no longer in config.
 */
import type { WarehouseAdapter } from '../adapters/warehouse/warehouse';
import { isSensitive, readSecret } from '../config/secrets';
import { join } from 'node:path';
import type { DbtCatalogs } from './dbt-catalogs';
import type { DbtCloudClients } from './dbt-cloud-clients';
import type { WebhookSecretStore } from './webhook-secrets';

/** Warehouse dialects load on the first connection: a plan with refresh off never opens one. */
const loadRegistry = () =>
  require('../adapters/warehouse/registry') as typeof import('../adapters/warehouse/registry');
/** dbt Cloud clients and dbt catalogs (Git, the dbt loader, the HTTP client) load on first use too. */
const loadDbtCloudClients = () => require('./dbt-cloud-clients') as typeof import('./dbt-cloud-clients');
const loadDbtCatalogs = () => require('./dbt-catalogs') as typeof import('./dbt-catalogs');

export class Connections {
  private readonly open = new Map<string, Promise<WarehouseAdapter>>();
  private dbtCloudClients?: DbtCloudClients;
  private dbtCatalogs?: DbtCatalogs;

  /** dbt Cloud API clients, one per dbt_cloud link (they hold no connection: nothing to close). */
  get dbtCloud(): DbtCloudClients {
    this.dbtCloudClients ??= new (loadDbtCloudClients().DbtCloudClients)(this.configDir);
    return this.dbtCloudClients;
  }

  /**
   * Opens the store of dbt Cloud webhook secrets (the agent database); set by the CLI when it knows that
   * database. Opened on first use only: most applies never create a subscription.
   */
  webhookSecretStore?: () => WebhookSecretStore;
  private secretStore?: WebhookSecretStore;

  /** The webhook secret store, opened once; undefined when none was configured. */
  webhookSecrets(): WebhookSecretStore | undefined {
    if (this.secretStore === undefined && this.webhookSecretStore)
      this.secretStore = this.webhookSecretStore();
    return this.secretStore;
  }

  /** dbt catalogs of Git syncs, synced and loaded once per run; clones and caches under `.backflow/cache`. */
  get dbt(): DbtCatalogs {
    this.dbtCatalogs ??= new (loadDbtCatalogs().DbtCatalogs)(
      this.configDir,
      join(this.configDir, '.backflow', 'cache'),
      this.dbtCloud,
      this.onGitProgress,
    );
    return this.dbtCatalogs;
  }

  constructor(
    private readonly configDir: string,
    private readonly onGitProgress?: (
      address: string,
      phase: string,
      loaded?: number,
      total?: number,
    ) => void,
  ) {}

  /** Connection for `address` (a source), opened once. */
  get(address: string, attributes: Record<string, unknown>): Promise<WarehouseAdapter> {
    let adapter = this.open.get(address);
    if (adapter === undefined) {
      const warehouse = String(attributes.warehouse);
      const settings = revealSettings(attributes.settings, this.configDir, address);
      adapter = loadRegistry().getDialect(warehouse).connect(settings);
      // A failed connection is not cached: the next caller gets the same clear error, not a stale promise.
      adapter.catch(() => this.open.delete(address));
      this.open.set(address, adapter);
    }
    return adapter;
  }

  /** Round trips made by every connection so far (benchmarks report this). */
  async roundTrips(): Promise<number> {
    let total = 0;
    for (const a of this.open.values()) {
      try {
        total += (await a).roundTrips;
      } catch {
        // a connection that never opened made no round trips worth counting
      }
    }
    return total;
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await this.secretStore?.close().catch(() => undefined);
    this.secretStore = undefined;
    await Promise.all(all.map(async (p) => p.then((a) => a.close()).catch(() => undefined)));
  }
}

/** Settings with every SensitiveValue replaced by the secret it references. */
export function revealSettings(
  settings: unknown,
  configDir: string,
  address: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries((settings ?? {}) as Record<string, unknown>)) {
    out[k] = isSensitive(v) ? readSecret(v.$sensitive.ref, configDir, `${address}.settings.${k}`) : v;
  }
  return out;
}
