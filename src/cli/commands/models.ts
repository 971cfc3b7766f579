/**
 * `backflow models sync GIT_SYNC` (a model sync by hand: fetch, load the dbt catalog, record the commit and
 * digest in state) and `backflow models list GIT_SYNC [--json]` (every dbt model with its relation,
 * materialization, primary-key candidates and how its relation was resolved).
 */
import type { DbtModel } from '../../adapters/dbt';
import { renderTable } from '../../render/table';
import { BACKFLOW_VERSION } from '../../version';
import { gitSyncOf, linkLookup } from '../git-sync-lookup';
import { withWorkspace, type GlobalOptions } from '../workspace';

export async function modelsSyncCommand(name: string, flags: GlobalOptions): Promise<number> {
  return withWorkspace(flags, 'models sync', async (ws) => {
    const git = gitSyncOf(ws, name);
    const prior = await ws.backend.read();
    const synced = await ws.connections.dbt.sync(
      git.address,
      git.attributes,
      linkLookup(ws),
      ws.desired.resources.get(`source.${String(git.attributes.source)}`)?.attributes.warehouse,
    );
    const s = synced.stats;
    process.stdout.write(
      `${git.address}: ${s.kind === 'local' ? 'read' : s.kind === 'clone' ? 'cloned' : 'fetched'} commit ${synced.commit.slice(0, 12)}` +
        `${s.objectsFetched !== undefined ? ` (${s.objectsFetched} objects)` : ''}; ` +
        `${synced.catalog.models.length} dbt models (${s.filesRead} files read, ${s.filesReused} reused) in ${s.seconds.toFixed(1)}s\n`,
    );
    const inState = prior?.resources[git.address];
    if (prior && inState) {
      inState.computed = {
        ...inState.computed,
        commit: synced.commit,
        catalog_digest: synced.catalog.digest,
        model_count: synced.catalog.models.length,
      };
      await ws.backend.write({ ...prior, serial: prior.serial + 1, backflow_version: BACKFLOW_VERSION });
      process.stdout.write(`Recorded in state. Run \`backflow plan\` to see what the new commit changes.\n`);
    } else {
      process.stdout.write(`${git.address} is not in state yet: \`backflow apply\` creates it.\n`);
    }
    return 0;
  });
}

export async function modelsListCommand(
  name: string,
  flags: GlobalOptions & { json?: boolean },
): Promise<number> {
  return withWorkspace(flags, undefined, async (ws) => {
    const git = gitSyncOf(ws, name);
    const synced = await ws.connections.dbt.sync(
      git.address,
      git.attributes,
      linkLookup(ws),
      ws.desired.resources.get(`source.${String(git.attributes.source)}`)?.attributes.warehouse,
    );
    const models = synced.catalog.models;
    if (flags.json) {
      process.stdout.write(
        JSON.stringify({
          git_sync: git.address,
          commit: synced.commit,
          project: synced.catalog.projectName,
          models: models.map(modelJson),
          warnings: synced.catalog.warnings.map((w) => ({
            file: w.file ?? null,
            line: w.line ?? null,
            message: w.message,
          })),
        }) + '\n',
      );
      return 0;
    }
    const rows = models.map((m) => ({
      model: m.version === undefined ? m.name : `${m.name} v${m.version}`,
      relation: m.relation
        ? [m.relation.database, m.relation.schema, m.relation.name].filter(Boolean).join('.')
        : !m.enabled || m.materialized === 'ephemeral'
          ? `(none: ${m.enabled ? 'ephemeral' : 'disabled'})`
          : '(unresolved: see below)',
      materialized: m.enabled ? m.materialized : 'disabled',
      primary_key_candidates: m.primaryKeyCandidates.map((c) => c.columns.join('+')).join(', ') || '-',
      resolved_by: m.resolution.via,
    }));
    process.stdout.write(
      renderTable(['model', 'relation', 'materialized', 'primary_key_candidates', 'resolved_by'], rows) +
        '\n',
    );
    process.stdout.write(
      `(${models.length} models in project "${synced.catalog.projectName}" at commit ${synced.commit.slice(0, 12)})\n`,
    );
    // Reasons and warnings in full, outside the table (whose cells are cut for width).
    const unresolved = models.filter((m) => !m.relation && m.enabled && m.materialized !== 'ephemeral');
    if (unresolved.length > 0) {
      process.stdout.write(`\nUnresolved models (${unresolved.length}):\n`);
      for (const m of unresolved) {
        const label = m.version === undefined ? m.name : `${m.name} v${m.version}`;
        process.stdout.write(`  ${label}: ${m.unresolvedReason ?? 'no relation'}\n`);
      }
    }
    const warnings = synced.catalog.warnings;
    if (warnings.length > 0) {
      process.stdout.write(`\nWarnings (${warnings.length}):\n`);
      for (const w of warnings) {
        const at = w.file ? `${w.file}${w.line ? ` line ${w.line}` : ''}: ` : '';
        process.stdout.write(`  ${at}${w.message}\n`);
      }
    }
    return 0;
  });
}

function modelJson(m: DbtModel): Record<string, unknown> {
  return {
    name: m.name,
    version: m.version,
    unique_id: m.uniqueId,
    file: m.file,
    enabled: m.enabled,
    materialized: m.materialized,
    relation: m.relation ?? null,
    unresolved_reason: m.unresolvedReason,
    resolution: m.resolution,
    primary_key_candidates: m.primaryKeyCandidates,
    columns: m.columns.map((c) => c.name),
  };
}
