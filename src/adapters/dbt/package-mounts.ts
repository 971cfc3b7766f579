/**
 * Packages fetched outside the repository (by the engine, from `packages.yml`) placed where `dbt deps`
 * would install them: `<project>/<packages-install-path>/<package name>/`. The loader then finds them as it
 * finds committed ones. A package already installed in the repository is kept as committed (that is the
 * copy the team's dbt runs), and a second package of one name is skipped with a warning.
 */
import type { CatalogWarning } from './catalog';
import { joinPath, outsideProject } from './layout';
import type { ProjectFiles } from './project-files';
import { normaliseRelPath, parseProjectYml } from './project-yml';

export interface PackageMount {
  /** For messages: `packages.yml line 3: dbt-labs/dbt_utils (https://…@1.1.1)`. */
  label: string;
  /** The package's files: a Git tree at the pinned commit, or the repository itself for `local:`. */
  files: ProjectFiles;
  /** Folder of the package's dbt_project.yml inside `files` ('' = its root). */
  root: string;
}

export async function withPackages(
  base: ProjectFiles,
  projectPath: string,
  mounts: PackageMount[],
  /** The folders of `base` the load reads (ProjectFiles.list's `under`). */
  scope?: readonly string[],
): Promise<{ files: ProjectFiles; warnings: CatalogWarning[] }> {
  const warnings: CatalogWarning[] = [];
  const dir = normaliseRelPath(projectPath === '' ? '.' : projectPath);
  let baseList = await base.list(scope);
  let baseSet = new Set(baseList);
  const rootFile = joinPath(dir, 'dbt_project.yml');
  if (!baseSet.has(rootFile) || mounts.length === 0) return { files: base, warnings };
  let installDir: string;
  try {
    const installPath = parseProjectYml(await base.read(rootFile), rootFile).packagesInstallPath;
    installDir = joinPath(dir, installPath);
    if (outsideProject(installPath)) {
      // Committed packages outside the project's folder are outside `scope`: list everything.
      baseList = await base.list();
      baseSet = new Set(baseList);
    }
  } catch {
    return { files: base, warnings }; // the load reports the root project's own problem
  }
  const placed: { prefix: string; files: ProjectFiles; root: string; paths: string[] }[] = [];
  const names = new Set<string>();
  for (const m of mounts) {
    const projectFile = joinPath(m.root, 'dbt_project.yml');
    let name: string;
    let all: string[];
    try {
      // A local package lies in the repository, whose listing already covers it (the load's scope).
      all = m.files === base ? baseList : await m.files.list([m.root || '.']);
      name = parseProjectYml(await m.files.read(projectFile), projectFile).name;
    } catch (err) {
      warnings.push({
        file: joinPath(dir, 'packages.yml'),
        message: `${m.label} has no readable dbt_project.yml${m.root ? ` in ${m.root}` : ''} (${(err as Error).message}): it is not installed`,
      });
      continue;
    }
    const prefix = joinPath(installDir, name);
    if (baseSet.has(joinPath(prefix, 'dbt_project.yml'))) continue; // committed under dbt_packages/: used as is
    if (names.has(name)) {
      warnings.push({
        file: joinPath(dir, 'packages.yml'),
        message: `${m.label} is skipped: another package named ${name} is already installed`,
      });
      continue;
    }
    names.add(name);
    const inside = m.root === '' ? all : all.filter((p) => p.startsWith(`${m.root}/`));
    const paths = inside.map((p) => joinPath(prefix, m.root === '' ? p : p.slice(m.root.length + 1)));
    placed.push({ prefix, files: m.files, root: m.root, paths });
  }
  if (placed.length === 0) return { files: base, warnings };
  const owner = new Map<string, { files: ProjectFiles; path: string }>();
  for (const p of placed) {
    for (const path of p.paths) {
      owner.set(path, { files: p.files, path: joinPath(p.root, path.slice(p.prefix.length + 1)) });
    }
  }
  const list = [...new Set([...baseList, ...owner.keys()])].sort();
  return {
    warnings,
    files: {
      list: () => Promise.resolve(list),
      read: (path) => {
        const o = owner.get(path);
        return o ? o.files.read(o.path) : base.read(path);
      },
      id: (path) => {
        const o = owner.get(path);
        return o ? o.files.id(o.path) : base.id(path);
      },
    },
  };
}
