/**
 * The dbt catalog of every Git sync, once per run: sync the repository (shallow clone, then incremental
 * fetches, or a local repository read in place), then load its dbt project — incrementally, reusing the
 * loader cache of the last run for files whose Git blob id did not change. Catalogs are kept on disk by
 * commit, so `plan -refresh=false` resolves dbt models from the last synced commit without any network.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogWarning, DbtCatalog, LoaderCache } from '../adapters/dbt';
import type { manifestFromDbtCloud } from '../adapters/dbtcloud/manifest-source';
import type { GitCredentials, GitRemoteSpec } from '../adapters/git';
import { isSensitive, readSecret } from '../config/secrets';
import { writeCacheFile } from '../cache-file';
import { UserError } from '../errors';
import type { DbtCloudClients } from './dbt-cloud-clients';
import { dbtLoadOptions, manifestFromFile, manifestFromRepository } from './dbt-load-options';
import { installPackages } from './dbt-packages';

/*
 * The Git client, the dbt loader (two YAML parsers) and the dbt Cloud manifest reader load on first use:
 * every command opens Connections, but only a refresh of a Git sync needs them, and loading them costs a
 * `plan -refresh=false` or a workspace without Git syncs about a tenth of a second of start-up.
 */
const loadGit = () => require('../adapters/git') as typeof import('../adapters/git');
const loadDbt = () => require('../adapters/dbt') as typeof import('../adapters/dbt');
const loadManifestSource = () =>
  require('../adapters/dbtcloud/manifest-source') as typeof import('../adapters/dbtcloud/manifest-source');

export interface SyncedCatalog {
  commit: string;
  catalog: DbtCatalog;
  /** packages.yml's packages that could not be installed (also first in catalog.warnings). */
  packageWarnings: CatalogWarning[];
  /** For display: how the repository was read and how much the loader reused. */
  stats: { kind: string; objectsFetched?: number; filesRead: number; filesReused: number; seconds: number };
}

export class DbtCatalogs {
  private readonly synced = new Map<string, Promise<SyncedCatalog>>();

  constructor(
    private readonly configDir: string,
    /** Folder for clones, loader caches and catalogs (`.backflow/cache` next to the config). */
    private readonly cacheRoot: string,
    private readonly dbtCloud?: DbtCloudClients,
    private readonly onProgress?: (address: string, phase: string, loaded?: number, total?: number) => void,
  ) {}

  /** Syncs git sync `address` and loads its dbt project (once per run). */
  sync(
    address: string,
    attributes: Record<string, unknown>,
    dbtCloudLinks: (name: string) => Record<string, unknown> | undefined,
    /** The warehouse of the Git sync's source: the dbt adapter type (`target.type`, `adapter.dispatch`). */
    sourceWarehouse?: unknown,
    /**
     * Fetch packages.yml's packages from any https host (apply, `models`, `plan --trust-new-endpoints`);
     * false: only from public Git hosts, else from the package cache (plan: see dbt-packages.ts).
     */
    packagesFromAnyHost = true,
  ): Promise<SyncedCatalog> {
    let p = this.synced.get(address);
    if (p === undefined) {
      p = this.load(address, attributes, dbtCloudLinks, sourceWarehouse, packagesFromAnyHost);
      this.synced.set(address, p);
    }
    return p;
  }

  /**
   * The catalog without network: a local repository is read in place (unless its manifest comes from
   * dbt Cloud); any other one gives the catalog its last sync stored (`plan`, `models sync`), if any.
   */
  async offline(
    address: string,
    attributes: Record<string, unknown>,
    sourceWarehouse?: unknown,
  ): Promise<DbtCatalog | undefined> {
    const local =
      loadGit().remoteEndpoint(
        String(attributes.repository),
        attributes.protocol as GitRemoteSpec['protocol'],
      ) === undefined;
    const fromDbtCloud = (attributes.manifest as { dbt_cloud?: string } | undefined)?.dbt_cloud !== undefined;
    if (local && !fromDbtCloud)
      return (await this.sync(address, attributes, () => undefined, sourceWarehouse)).catalog;
    const folder = this.folder(address, attributes);
    if (!existsSync(folder)) return undefined;
    const newest = readdirSync(folder)
      .filter((f) => /^catalog-[0-9a-f]+\.json$/.test(f))
      .map((f) => ({ f, t: statSync(join(folder, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)[0];
    return newest
      ? this.stored(address, attributes, newest.f.slice('catalog-'.length, -'.json'.length))
      : undefined;
  }

  /** The catalog stored by the last sync of `address` at `commit`, when there is one. */
  stored(address: string, attributes: Record<string, unknown>, commit: string): DbtCatalog | undefined {
    const file = join(this.folder(address, attributes), `catalog-${commit}.json`);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as DbtCatalog;
    } catch {
      return undefined; // a damaged cache is only a cache: the next refresh rebuilds it
    }
  }

  private async load(
    address: string,
    attributes: Record<string, unknown>,
    dbtCloudLinks: (name: string) => Record<string, unknown> | undefined,
    sourceWarehouse: unknown,
    packagesFromAnyHost: boolean,
  ): Promise<SyncedCatalog> {
    const t0 = Date.now();
    const folder = this.folder(address, attributes);
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const spec = this.remoteSpec(address, attributes);
    const { syncRepository } = loadGit();
    const checkout = await syncRepository(spec, {
      cacheDir: join(this.cacheRoot, 'git'),
      onProgress: (p) => this.onProgress?.(address, p.phase, p.loaded, p.total),
    });
    const previous = readJson<LoaderCache>(join(folder, 'loader-cache.json'));
    const manifest = await this.manifest(address, attributes, checkout.files, dbtCloudLinks);
    const packages = await installPackages(checkout.files, String(attributes.project_path ?? '.'), {
      cacheDir: join(this.cacheRoot, 'git'),
      anyHost: packagesFromAnyHost,
    });
    const result = await loadDbt().loadDbtProject(checkout.files, {
      ...dbtLoadOptions(attributes, sourceWarehouse),
      ...(packages.mounts.length > 0 ? { packages: packages.mounts } : {}),
      ...(manifest ? { manifest } : {}),
      ...(previous !== undefined ? { previous } : {}),
    });
    // packages.yml's problems (not a model's): shown by `models list` with the loader's own warnings
    result.catalog.warnings.unshift(...packages.warnings);
    writeJson(join(folder, 'loader-cache.json'), result.cache);
    writeJson(join(folder, `catalog-${checkout.commit}.json`), result.catalog);
    pruneCatalogs(folder, checkout.commit);
    return {
      commit: checkout.commit,
      catalog: result.catalog,
      packageWarnings: packages.warnings,
      stats: {
        kind: checkout.kind,
        objectsFetched: checkout.stats.objectsFetched,
        filesRead: result.stats.filesRead,
        filesReused: result.stats.filesReused,
        seconds: (Date.now() - t0) / 1000,
      },
    };
  }

  /**
   * The manifest that comes first in the resolution chain: `manifest_file` (outside the repository), the
   * repository's `manifest_path`, or a dbt Cloud job's.
   */
  private async manifest(
    address: string,
    attributes: Record<string, unknown>,
    files: { read(path: string): Promise<string> },
    dbtCloudLinks: (name: string) => Record<string, unknown> | undefined,
  ): Promise<{ json: unknown; provenance: string } | undefined> {
    const outside = manifestFromFile(address, attributes, this.configDir);
    if (outside) return outside;
    const inRepo = await manifestFromRepository(address, attributes, files);
    if (inRepo) return inRepo;
    const m = attributes.manifest as { dbt_cloud?: string; job_id?: number } | undefined;
    if (m?.dbt_cloud !== undefined && m.job_id !== undefined && this.dbtCloud) {
      const linkAddress = `dbt_cloud.${m.dbt_cloud}`;
      const link = dbtCloudLinks(m.dbt_cloud);
      if (!link)
        throw new UserError(`${address}: manifest.dbt_cloud "${m.dbt_cloud}" is not a dbt_cloud link`);
      const client = this.dbtCloud.get(linkAddress, link) as unknown as Parameters<
        typeof manifestFromDbtCloud
      >[0];
      const fetched = await loadManifestSource().manifestFromDbtCloud(
        client,
        m.job_id,
        join(this.cacheRoot, 'dbt-cloud'),
      );
      return { json: fetched.json, provenance: fetched.provenance };
    }
    return undefined;
  }

  private remoteSpec(address: string, a: Record<string, unknown>): GitRemoteSpec {
    const credentials: GitCredentials = {};
    const c = (a.credentials ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(c)) {
      if (isSensitive(v))
        (credentials as Record<string, unknown>)[k] = readSecret(
          v.$sensitive.ref,
          this.configDir,
          `${address}.credentials.${k}`,
        );
      else (credentials as Record<string, unknown>)[k] = v;
    }
    return {
      repository: String(a.repository),
      protocol: a.protocol as GitRemoteSpec['protocol'],
      service: a.service as GitRemoteSpec['service'],
      branch: String(a.branch ?? 'main'),
      configDir: this.configDir,
      credentials,
    };
  }

  private folder(address: string, a: Record<string, unknown>): string {
    const key = createHash('sha256')
      .update(
        `${address}\u0000${String(a.repository)}\u0000${String(a.branch)}\u0000${String(a.project_path)}`,
      )
      .digest('hex')
      .slice(0, 16);
    return join(this.cacheRoot, 'dbt', key);
  }
}

/** Catalogs kept per Git sync: the current commit's and the most recent others (by write time). */
export const CATALOGS_KEPT = 5;

/** Removes the cached catalogs of old commits, keeping `current` and the CATALOGS_KEPT - 1 newest others. */
export function pruneCatalogs(folder: string, current: string): void {
  const old = readdirSync(folder)
    .filter((f) => /^catalog-[0-9a-f]+\.json$/.test(f) && f !== `catalog-${current}.json`)
    .map((f) => ({ f, t: statSync(join(folder, f)).mtimeMs }))
    .sort((a, b) => b.t - a.t || (a.f < b.f ? -1 : 1));
  for (const { f } of old.slice(CATALOGS_KEPT - 1)) rmSync(join(folder, f), { force: true });
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function writeJson(file: string, value: unknown): void {
  writeCacheFile(file, JSON.stringify(value), { mode: 0o600 });
}
