/**
 * Which files make up the dbt project: the root project at project_path, the packages under its
 * packages-install-path (`dbt_packages/`) that the root project configures (a `models: <package>:` block;
 * others are skipped with a warning), and, for each, the model and properties files under its model paths
 * and (root only) the macro files, minus what `.dbtignore` excludes.
 */
import type { CatalogWarning } from './catalog';
import { parseDbtignore, NO_IGNORE, type IgnoreMatcher } from './dbtignore';
import { DbtLoadError } from './errors';
import type { FileStore } from './file-store';
import { normaliseRelPath, parseProjectYml, type ProjectSpec } from './project-yml';

export interface ProjectUnit {
  spec: ProjectSpec;
  /** Repository-relative folder of the project ('' = the repository root). */
  dir: string;
  isRoot: boolean;
  modelFiles: string[];
  propertyFiles: string[];
  macroFiles: string[];
}

export interface Layout {
  root: ProjectUnit;
  /** Root first, then included packages by name. */
  units: ProjectUnit[];
  /**
   * Every installed package (configured or not) with its macro files: their macros are reachable as
   * `<package>.<macro>` and through `adapter.dispatch`, whether or not the package's models are loaded.
   */
  packages: ProjectUnit[];
  /** Names of every project found (root and all packages), for telling scoped vars from global ones. */
  projectNames: Set<string>;
  warnings: CatalogWarning[];
}

export const joinPath = (dir: string, rel: string): string =>
  dir === '' ? rel : rel === '' ? dir : `${dir}/${rel}`;

/** Whether a project-relative path (packages-install-path) may lead out of the project's folder. */
export function outsideProject(relPath: string): boolean {
  return relPath.startsWith('/') || relPath.split('/').includes('..');
}

function under(path: string, dir: string): boolean {
  return dir === '' || path.startsWith(`${dir}/`);
}

function relTo(path: string, dir: string): string {
  return dir === '' ? path : path.slice(dir.length + 1);
}

/** Folders (other than packages) holding a dbt_project.yml, for "did you mean" on a wrong project_path. */
function projectCandidates(all: string[]): string[] {
  return all
    .filter(
      (p) =>
        (p === 'dbt_project.yml' || p.endsWith('/dbt_project.yml')) &&
        !/(^|\/)(dbt_packages|dbt_modules)\//.test(p),
    )
    .map((p) => (p === 'dbt_project.yml' ? '.' : p.slice(0, -'/dbt_project.yml'.length)))
    .slice(0, 10);
}

function missingProject(all: string[], projectDir: string): DbtLoadError {
  const candidates = projectCandidates(all);
  const hint =
    candidates.length > 0
      ? `Set the git sync's project_path to the folder holding dbt_project.yml: ${candidates.map((c) => JSON.stringify(c)).join(', ')}.`
      : 'No dbt_project.yml was found anywhere in the repository: check the repository and branch of the git sync.';
  const exists = projectDir === '' || all.some((p) => under(p, projectDir));
  if (!exists) {
    return new DbtLoadError(`project_path ${JSON.stringify(projectDir)} does not exist in the repository`, {
      hint,
    });
  }
  return new DbtLoadError(`no dbt_project.yml in ${projectDir === '' ? 'the repository root' : projectDir}`, {
    file: joinPath(projectDir, 'dbt_project.yml'),
    hint,
  });
}

async function readIgnore(store: FileStore, all: Set<string>, dir: string): Promise<IgnoreMatcher> {
  const path = joinPath(dir, '.dbtignore');
  if (!all.has(path)) return NO_IGNORE;
  const text = (await store.summarise([{ path, kind: 'ignore', summarise: (t) => t }])).get(path)!;
  return parseDbtignore(text);
}

function collect(
  unit: Omit<ProjectUnit, 'modelFiles' | 'propertyFiles' | 'macroFiles'>,
  files: string[],
  ignore: IgnoreMatcher,
  exclude: string[],
): ProjectUnit {
  const inside = files.filter((p) => under(p, unit.dir) && !exclude.some((x) => under(p, x)));
  const inPaths = (paths: string[]) => {
    const bases = paths.map((mp) => joinPath(unit.dir, mp));
    return inside.filter((p) => bases.some((b) => under(p, b)) && !ignore.ignores(relTo(p, unit.dir)));
  };
  const models = inPaths(unit.spec.modelPaths);
  return {
    ...unit,
    modelFiles: models.filter((p) => /\.(sql|py)$/.test(p)),
    propertyFiles: models.filter((p) => /\.ya?ml$/.test(p)),
    macroFiles: inPaths(unit.spec.macroPaths).filter((p) => p.endsWith('.sql')),
  };
}

export async function discover(
  store: FileStore,
  allFiles: string[],
  projectPath: string,
  /** The whole repository's files, for naming the projects it has when `projectPath` holds none. */
  everyFile: () => Promise<string[]> = () => Promise.resolve(allFiles),
): Promise<Layout> {
  const dir = normaliseRelPath(projectPath === '' ? '.' : projectPath);
  let all = new Set(allFiles);
  const rootFile = joinPath(dir, 'dbt_project.yml');
  if (!all.has(rootFile)) throw missingProject(await everyFile(), dir);
  const rootSpec = (
    await store.summarise([
      { path: rootFile, kind: 'project', summarise: (t) => parseProjectYml(t, rootFile) },
    ])
  ).get(rootFile)!;
  const warnings: CatalogWarning[] = [];
  const installDir = joinPath(dir, rootSpec.packagesInstallPath);
  if (outsideProject(rootSpec.packagesInstallPath)) {
    // Packages installed outside the project's folder: a listing of that folder alone misses them.
    allFiles = await everyFile();
    all = new Set(allFiles);
  }

  const packageFiles = allFiles.filter((p) => {
    if (!under(p, installDir) || !p.endsWith('/dbt_project.yml')) return false;
    return relTo(p, installDir).split('/').length === 2;
  });
  const packageSpecs = await store.summarise(
    packageFiles.map((path) => ({
      path,
      kind: 'project' as const,
      summarise: (t: string) => parseProjectYml(t, path),
    })),
  );
  const projectNames = new Set([rootSpec.name, ...[...packageSpecs.values()].map((s) => s.name)]);

  const rootIgnore = await readIgnore(store, all, dir);
  const root = collect({ spec: rootSpec, dir, isRoot: true }, allFiles, rootIgnore, [installDir]);
  const units: ProjectUnit[] = [root];
  const sorted = [...packageSpecs.entries()].sort((a, b) => a[1].name.localeCompare(b[1].name));
  const packages: ProjectUnit[] = [];
  for (const [path, spec] of sorted) {
    const pkgDir = path.slice(0, -'/dbt_project.yml'.length);
    if (spec.name === rootSpec.name || packages.some((p) => p.spec.name === spec.name)) {
      warnings.push({
        file: path,
        message: `package ${spec.name} (${pkgDir}) is skipped: a project named ${spec.name} is already loaded`,
      });
      continue;
    }
    const ignore = await readIgnore(store, all, pkgDir);
    const unit = collect({ spec, dir: pkgDir, isRoot: false }, allFiles, ignore, []);
    packages.push(unit);
    if (!(spec.name in rootSpec.models.children)) {
      if (unit.modelFiles.length > 0) {
        warnings.push({
          file: path,
          message: `the models of package ${spec.name} (${pkgDir}) are skipped: the root project does not configure it (add a \`models: ${spec.name}:\` block to dbt_project.yml to load its models); its macros are loaded`,
        });
      }
      continue;
    }
    units.push(unit);
  }
  return { root, units, packages, projectNames, warnings };
}
