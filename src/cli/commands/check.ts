/**
 * `backflow check --dbt-project PATH`: run in the dbt repository's own CI. Loads the checked-out dbt
 * project and compares it with the workspace's state: a change that removes, disables or makes ephemeral a
 * dbt model used by an active sync, moves its relation, or drops its primary-key column fails (exit 1)
 * with a text or Markdown report. Reads state only; changes nothing.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { folderFiles, loadDbtProject } from '../../adapters/dbt';
import { dbtLoadOptions, manifestFromFile, manifestFromRepository } from '../../engine/dbt-load-options';
import { dbtModelRef, resolveDbtModel } from '../../engine/dbt-models';
import { activeSyncsByModel } from '../../engine/detachment';
import { UserError } from '../../errors';
import type { StateFile } from '../../state/types';
import { withWorkspace, type GlobalOptions } from '../workspace';

interface Finding {
  model: string;
  dbtModel: string;
  syncs: string[];
  problem: string;
}

export async function checkCommand(
  flags: GlobalOptions & { dbtProject?: string; gitSync?: string; format?: string },
): Promise<number> {
  if (!flags.dbtProject)
    throw new UserError('check needs --dbt-project PATH (the dbt project folder to check)');
  const format = flags.format ?? 'text';
  if (format !== 'text' && format !== 'markdown')
    throw new UserError(`unknown --format "${format}"`, 'Use text or markdown.');
  return withWorkspace({ ...flags, readSecrets: false }, undefined, async (ws) => {
    const state = await ws.backend.read();
    if (!state)
      throw new UserError(
        'The workspace has no state yet: nothing to check against',
        'Apply the workspace first.',
      );
    const git = pickGitSync(state, flags.gitSync);
    const attrs = state.resources[git].attributes;
    // The same loader options and manifest chain as plan: the checkout is read as the repository, so
    // manifest_path (relative to the repository root) and project_path mean what they mean in plan.
    const { root, projectPath } = repositoryOf(resolve(flags.dbtProject!), String(attrs.project_path ?? '.'));
    const files = folderFiles(root);
    const manifest =
      manifestFromFile(git, attrs, ws.desired.configDir) ?? (await manifestFromRepository(git, attrs, files));
    const { catalog } = await loadDbtProject(files, {
      ...dbtLoadOptions(attrs, state.resources[`source.${String(attrs.source)}`]?.attributes.warehouse),
      projectPath,
      ...(manifest ? { manifest } : {}),
    });
    const findings = compare(state, git, catalog);
    const checked = Object.values(state.resources).filter(
      (r) => r.type === 'model' && dbtModelRef(r.attributes)?.git_sync === git.slice(9),
    ).length;
    process.stdout.write(
      (format === 'markdown' ? markdown(findings, git, checked) : text(findings, git, checked)) + '\n',
    );
    return findings.length > 0 ? 1 : 0;
  });
}

/**
 * The repository a --dbt-project path belongs to: the path itself when the Git sync's project_path is
 * under it (the repository root was given), else the folder project_path is relative to (the project
 * folder was given).
 */
function repositoryOf(dir: string, projectPath: string): { root: string; projectPath: string } {
  const p = projectPath.replace(/^\.\/?/, '').replace(/\/$/, '');
  if (p === '' || existsSync(join(dir, p, 'dbt_project.yml'))) return { root: dir, projectPath };
  const depth = p.split('/').length;
  const up = resolve(dir, ...Array<string>(depth).fill('..'));
  if (existsSync(join(dir, 'dbt_project.yml')) && resolve(up, p) === dir) return { root: up, projectPath };
  return { root: dir, projectPath: '.' };
}

function pickGitSync(state: StateFile, name: string | undefined): string {
  const all = Object.keys(state.resources).filter((a) => state.resources[a].type === 'git_sync');
  if (name) {
    const address = name.startsWith('git_sync.') ? name : `git_sync.${name}`;
    if (!all.includes(address))
      throw new UserError(
        `No Git sync "${name}" in state`,
        all.length ? `Git syncs: ${all.join(', ')}` : undefined,
      );
    return address;
  }
  if (all.length === 1) return all[0];
  throw new UserError(
    all.length === 0
      ? 'The workspace has no Git sync in state'
      : `The workspace has ${all.length} Git syncs: choose one with --git-sync`,
    all.length ? `Git syncs: ${all.join(', ')}` : undefined,
  );
}

function compare(state: StateFile, git: string, catalog: Parameters<typeof resolveDbtModel>[2]): Finding[] {
  const active = activeSyncsByModel(state);
  const findings: Finding[] = [];
  for (const [address, r] of Object.entries(state.resources)) {
    const ref = dbtModelRef(r.attributes);
    if (r.type !== 'model' || !ref || `git_sync.${ref.git_sync}` !== git) continue;
    const syncs = active.get(r.name) ?? [];
    if (syncs.length === 0) continue;
    const res = resolveDbtModel(ref, r.attributes.primary_key ?? r.computed.primary_key, catalog);
    const base = { model: address, dbtModel: ref.name, syncs };
    if (!res.ok) {
      findings.push({ ...base, problem: res.summary });
      continue;
    }
    const before = r.computed.relation as { schema?: string; name?: string } | undefined;
    if (before && (before.schema !== res.relation.schema || before.name !== res.relation.name)) {
      findings.push({
        ...base,
        problem: `its relation moves from ${before.schema}.${before.name} to ${res.relation.schema}.${res.relation.name}`,
      });
    }
    if (res.primaryKey && res.declaredColumns.length > 0 && !res.declaredColumns.includes(res.primaryKey)) {
      findings.push({ ...base, problem: `its primary-key column "${res.primaryKey}" is no longer declared` });
    }
  }
  return findings;
}

function text(findings: Finding[], git: string, checked: number): string {
  if (findings.length === 0)
    return `OK: ${checked} dbt model${checked === 1 ? '' : 's'} of ${git} checked; no change breaks an active sync.`;
  return [
    `Breaking change: ${findings.length} problem${findings.length === 1 ? '' : 's'} for models used by active syncs (${git}).`,
    '',
    ...findings.map(
      (f) =>
        `  - ${f.model} (dbt model "${f.dbtModel}"): ${f.problem}\n    active syncs: ${f.syncs.join(', ')}`,
    ),
    '',
    'Disable those syncs in the Backflow workspace first (or set lifecycle.on_attached_change = "pause"), then merge this change.',
  ].join('\n');
}

function markdown(findings: Finding[], git: string, checked: number): string {
  if (findings.length === 0)
    return `<!-- backflow-check -->\n**Backflow:** ${checked} dbt models of \`${git}\` checked; no change breaks an active sync.`;
  return [
    '<!-- backflow-check -->',
    `> [!CAUTION]`,
    `> **This change breaks ${findings.length} Reverse ETL model${findings.length === 1 ? '' : 's'} used by active syncs.**`,
    '',
    '| Backflow model | dbt model | problem | active syncs |',
    '|---|---|---|---|',
    ...findings.map(
      (f) =>
        `| \`${f.model}\` | \`${f.dbtModel}\` | ${f.problem.replace(/\|/g, '\\|')} | ${f.syncs.map((s) => `\`${s}\``).join(', ')} |`,
    ),
    '',
    'Disable those syncs in the Backflow workspace first (or set `lifecycle.on_attached_change = "pause"`), then merge this change.',
  ].join('\n');
}
