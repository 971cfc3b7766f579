/**
 * Refresh of Git syncs and the dbt models they back: sync each repository (incremental fetch), load its
 * dbt catalog, and resolve every dbt-backed model against it. A model that a new commit removes,
 * disables, makes ephemeral or leaves without its primary key is a plan error naming the commit — the
 * detachment rule's guard against upstream drift.
 */
import pLimit from 'p-limit';
import type { DesiredState } from '../config/desired';
import { error, warning, type Diagnostic } from '../diagnostics';
import type { StateFile } from '../state/types';
import type { Connections } from './connections';
import type { SyncedCatalog } from './dbt-catalogs';
import { dbtModelRef, resolveDbtModel, type DbtResolution } from './dbt-models';
import { activeSyncsByModel } from './detachment';
import { TRUST_HINT } from './endpoint-trust';
import type { DriftEntry } from './plan';
import type { EndpointGate } from './refresh';

/** A synced catalog, why the sync failed, or why plan did not contact the repository (see endpoint-trust.ts). */
export type GitSyncObservation = SyncedCatalog | { error: string } | { deferred: string };

export type DbtModelObservation = DbtResolution & { gitSync: string; commit: string };

export interface GitRefresh {
  gitSyncs: Map<string, GitSyncObservation>;
  dbtModels: Map<string, DbtModelObservation>;
  diagnostics: Diagnostic[];
  drift: DriftEntry[];
}

export async function refreshGitSyncs(
  desired: DesiredState,
  state: StateFile,
  connections: Connections,
  untrusted: EndpointGate = () => undefined,
  /** plan --trust-new-endpoints / apply: packages.yml's packages may be fetched from any https host. */
  trustNewEndpoints = true,
): Promise<GitRefresh> {
  const out: GitRefresh = { gitSyncs: new Map(), dbtModels: new Map(), diagnostics: [], drift: [] };
  const attributesOf = (address: string): Record<string, unknown> | undefined =>
    desired.resources.get(address)?.attributes ?? state.resources[address]?.attributes;
  const addresses = [
    ...new Set([
      ...[...desired.resources.values()].filter((r) => r.type === 'git_sync').map((r) => r.address),
      ...Object.keys(state.resources).filter((a) => state.resources[a].type === 'git_sync'),
    ]),
  ];
  const limit = pLimit(4);
  await Promise.all(
    addresses.map((address) =>
      limit(async () => {
        const attrs = attributesOf(address)!;
        const why = deferral(attrs, attributesOf, untrusted);
        if (why !== undefined) {
          // Planned without fetching: its commit and the dbt models it backs are known after apply.
          out.gitSyncs.set(address, { deferred: why });
          const r = desired.resources.get(address);
          out.diagnostics.push(
            warning(`${address}: not contacted by plan: ${why}`, {
              address,
              ...(r ? { file: r.origin.file, path: r.origin.path } : {}),
              detail: `Its commit, dbt project and the dbt models it backs are checked by apply, after review. ${TRUST_HINT}`,
            }),
          );
          return;
        }
        try {
          const synced = await connections.dbt.sync(
            address,
            attrs,
            (name) => attributesOf(`dbt_cloud.${name}`),
            attributesOf(`source.${String(attrs.source)}`)?.warehouse,
            trustNewEndpoints,
          );
          out.gitSyncs.set(address, synced);
          const r = desired.resources.get(address);
          for (const w of synced.packageWarnings ?? []) {
            out.diagnostics.push(
              warning(`${address}: ${w.message}`, {
                address,
                ...(r ? { file: r.origin.file, path: r.origin.path } : {}),
              }),
            );
          }
          const prior = state.resources[address];
          if (prior && prior.computed.commit !== undefined && prior.computed.commit !== synced.commit) {
            out.drift.push({
              address,
              type: 'git_sync',
              name: prior.name,
              kind: 'changed',
              attributes: [{ path: 'commit', before: prior.computed.commit, after: synced.commit }],
            });
          }
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          out.gitSyncs.set(address, { error: message });
          const r = desired.resources.get(address);
          out.diagnostics.push(
            error(
              `${address}: cannot sync the dbt repository: ${message.startsWith(address) ? message.slice(address.length + 2) : message}`,
              {
                address,
                ...(r ? { file: r.origin.file, path: r.origin.path } : {}),
              },
            ),
          );
        }
      }),
    ),
  );

  const active = activeSyncsByModel(state);
  const modelAddresses = [
    ...new Set([
      ...[...desired.resources.values()].filter((r) => r.type === 'model').map((r) => r.address),
      ...Object.keys(state.resources).filter((a) => state.resources[a].type === 'model'),
    ]),
  ];
  for (const address of modelAddresses) {
    const attributes = attributesOf(address)!;
    const ref = dbtModelRef(attributes);
    if (!ref) continue;
    const git = out.gitSyncs.get(`git_sync.${ref.git_sync}`);
    if (!git || 'error' in git || 'deferred' in git) continue; // reported above (or the reference error by config rules)
    const resolution = resolveDbtModel(ref, attributes.primary_key, git.catalog);
    out.dbtModels.set(address, { ...resolution, gitSync: `git_sync.${ref.git_sync}`, commit: git.commit });
    const inConfig = desired.resources.get(address);
    if (!inConfig) continue; // being deleted: nothing to resolve for
    const name = address.slice('model.'.length);
    const syncs = active.get(name) ?? [];
    const prior = state.resources[address];
    const upstream =
      prior !== undefined && prior.computed.commit !== undefined && prior.computed.commit !== git.commit;
    const where = { address, file: inConfig.origin.file, path: `${inConfig.origin.path}.dbt_model` };
    if (!resolution.ok) {
      out.diagnostics.push(
        error(
          upstream && syncs.length > 0
            ? `${address}: commit ${git.commit.slice(0, 12)} of git_sync.${ref.git_sync} breaks this model: ${resolution.summary}`
            : `${address}: ${resolution.summary}`,
          {
            ...where,
            detail: withSyncs(withPackages(resolution.detail, resolution.kind, git), syncs),
          },
        ),
      );
      continue;
    }
    const pk = resolution.primaryKey;
    if (
      pk !== undefined &&
      resolution.declaredColumns.length > 0 &&
      !resolution.declaredColumns.includes(pk)
    ) {
      out.diagnostics.push(
        error(
          `${address}: primary key "${pk}" is not a column dbt model "${ref.name}" declares${upstream ? ` at commit ${git.commit.slice(0, 12)}` : ''}`,
          {
            ...where,
            detail: withSyncs(
              `Columns declared in the project: ${resolution.declaredColumns.join(', ')}. A dropped or renamed key column would break change tracking.`,
              syncs,
            ),
          },
        ),
      );
    }
  }
  return out;
}

/**
 * Why plan must not sync this Git sync: its own credentials would go to a new endpoint, or the dbt Cloud
 * link its manifest comes from would send its API key to one.
 */
function deferral(
  attrs: Record<string, unknown>,
  attributesOf: (address: string) => Record<string, unknown> | undefined,
  untrusted: EndpointGate,
): string | undefined {
  const own = untrusted('git_sync', attrs);
  if (own !== undefined) return own;
  const link = (attrs.manifest as { dbt_cloud?: unknown } | undefined)?.dbt_cloud;
  if (typeof link !== 'string') return undefined;
  const linkAttrs = attributesOf(`dbt_cloud.${link}`);
  const why = linkAttrs ? untrusted('dbt_cloud', linkAttrs) : undefined;
  return why === undefined ? undefined : `its manifest comes from dbt_cloud.${link}, and ${why}`;
}

/** An unresolved model may need a package packages.yml names that could not be installed: say so. */
function withPackages(detail: string, kind: string, git: SyncedCatalog): string {
  const missing = git.packageWarnings ?? [];
  if (kind !== 'unresolved' || missing.length === 0) return detail;
  return `${detail}\nNot installed from packages.yml (${missing.length}): ${missing[0].message}`;
}

function withSyncs(detail: string, syncs: string[]): string {
  return syncs.length === 0 ? detail : `${detail}\nActive syncs using it: ${syncs.join(', ')}.`;
}
