/**
 * What `dbt deps` would install: the packages `packages.yml` and `dependencies.yml` name, with
 * `package-lock.yml` (dbt 1.7+) preferred for every package it pins. Only reads and validates; fetching is
 * the engine's (it owns the Git client and decides whether plan may reach a package's host).
 *
 * Jinja in these files is never rendered: dbt renders `env_var()` there (private packages put a token in
 * the URL), and a pull request's packages.yml could otherwise send any environment value to a host of its
 * choosing. Such an entry is reported and skipped.
 */
import { joinPath } from './layout';
import { normaliseRelPath } from './project-yml';
import type { ProjectFiles } from './project-files';
import type { CatalogWarning } from './catalog';
import { asMap, parseYamlFile, type YamlFile } from './yaml/yaml-file';

/** Where an entry was written, for messages: `packages.yml line 4`. */
export interface RequestOrigin {
  file: string;
  line?: number;
}

export type PackageRequest =
  | {
      kind: 'git';
      url: string;
      /** Branch, tag or commit; undefined: the default branch (dbt warns that it is unpinned). */
      revision?: string;
      subdirectory?: string;
      origin: RequestOrigin;
      /** Pinned by package-lock.yml. */
      locked: boolean;
    }
  | {
      kind: 'hub';
      /** `org/name`, as the dbt hub names it. */
      package: string;
      /** dbt's version specifiers: `1.1.1`, `>=1.0.0`, `<2.0.0` (all must hold). */
      versions: string[];
      origin: RequestOrigin;
      locked: boolean;
    }
  | {
      kind: 'local';
      /** Repository-relative folder of the package (resolved against the project folder). */
      path: string;
      origin: RequestOrigin;
    };

export interface PackageRequests {
  requests: PackageRequest[];
  warnings: CatalogWarning[];
}

const FILES = ['packages.yml', 'dependencies.yml'];

/** The packages a project's packages.yml / dependencies.yml name, pinned by package-lock.yml where it can. */
export async function readPackageRequests(
  files: ProjectFiles,
  projectPath: string,
): Promise<PackageRequests> {
  const dir = normaliseRelPath(projectPath === '' ? '.' : projectPath);
  const all = new Set(await files.list([dir]));
  const warnings: CatalogWarning[] = [];
  const wanted: PackageRequest[] = [];
  for (const name of FILES) {
    const file = joinPath(dir, name);
    if (!all.has(file)) continue;
    const doc = await parse(files, file, warnings);
    if (doc) wanted.push(...entries(doc, dir, warnings));
  }
  if (wanted.length === 0) return { requests: [], warnings };
  const lockFile = joinPath(dir, 'package-lock.yml');
  const lock = all.has(lockFile) ? await parse(files, lockFile, warnings) : undefined;
  const locked = lock ? entries(lock, dir, warnings) : [];
  // The lock also lists what dbt deps installed for the packages' own dependencies: those come too.
  const requests = [
    ...wanted.map((w) => locked.find((l) => samePackage(w, l)) ?? w),
    ...locked.filter((l) => !wanted.some((w) => samePackage(w, l))),
  ];
  return { requests, warnings };
}

async function parse(
  files: ProjectFiles,
  file: string,
  warnings: CatalogWarning[],
): Promise<YamlFile | undefined> {
  try {
    return parseYamlFile(await files.read(file), file);
  } catch (err) {
    warnings.push({
      file,
      message: `${file} cannot be read (${(err as Error).message}): the packages it names are not installed`,
    });
    return undefined;
  }
}

function entries(doc: YamlFile, dir: string, warnings: CatalogWarning[]): PackageRequest[] {
  const root = asMap(doc.value);
  const isLock = doc.file.endsWith('package-lock.yml');
  const list = root?.packages;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    warnings.push({
      file: doc.file,
      line: root ? doc.line(root, 'packages') : undefined,
      message: `packages in ${doc.file} must be a list: its packages are not installed`,
    });
    return [];
  }
  const out: PackageRequest[] = [];
  list.forEach((item, i): void => {
    const origin: RequestOrigin = { file: doc.file, line: doc.line(list, i) };
    const e = asMap(item);
    const skip = (why: string): void => {
      warnings.push({
        ...origin,
        message: `${doc.file}${origin.line ? ` line ${origin.line}` : ''}: ${why}: the models that need this package are unresolved`,
      });
    };
    if (!e) return skip('a package entry must be a mapping');
    const text = JSON.stringify(e);
    if (text.includes('{{') || text.includes('{%')) {
      return skip(
        'an entry using Jinja (env_var) is not rendered: Backflow never puts environment values into a package URL; commit the package under dbt_packages/ or name a public URL',
      );
    }
    if (typeof e.git === 'string') {
      const revision = e.revision === undefined || e.revision === null ? undefined : String(e.revision);
      out.push({
        kind: 'git',
        url: e.git,
        ...(revision !== undefined ? { revision } : {}),
        ...(typeof e.subdirectory === 'string' ? { subdirectory: normaliseRelPath(e.subdirectory) } : {}),
        origin,
        locked: isLock,
      });
    } else if (typeof e.package === 'string') {
      const v = e.version;
      const versions = Array.isArray(v) ? v.map(String) : v === undefined || v === null ? [] : [String(v)];
      if (!/^[^/\s]+\/[^/\s]+$/.test(e.package)) return skip(`hub package "${e.package}" is not org/name`);
      out.push({ kind: 'hub', package: e.package, versions, origin, locked: isLock });
    } else if (typeof e.local === 'string') {
      const path = resolveLocal(dir, e.local);
      if (path === undefined) return skip(`local package "${e.local}" is outside the repository`);
      out.push({ kind: 'local', path, origin });
    } else if (typeof e.tarball === 'string' || typeof e.private === 'string') {
      skip(
        `${typeof e.tarball === 'string' ? 'tarball' : 'private'} packages are not fetched by Backflow (commit the package under dbt_packages/)`,
      );
    } else {
      skip('an entry needs git:, package: or local:');
    }
  });
  return out;
}

/** `local:` relative to the project folder, kept inside the repository (the only tree Backflow reads). */
function resolveLocal(dir: string, rel: string): string | undefined {
  if (rel.startsWith('/')) return undefined;
  const parts = dir === '' ? [] : dir.split('/');
  for (const seg of normaliseRelPath(rel).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

/** A git URL compared the way people write it: case-insensitive host, with or without `.git` or a `/`. */
export function normaliseGitUrl(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase();
}

function samePackage(a: PackageRequest, b: PackageRequest): boolean {
  if (a.kind === 'git' && b.kind === 'git') {
    return normaliseGitUrl(a.url) === normaliseGitUrl(b.url) && a.subdirectory === b.subdirectory;
  }
  if (a.kind === 'hub' && b.kind === 'hub') return a.package.toLowerCase() === b.package.toLowerCase();
  if (a.kind === 'local' && b.kind === 'local') return a.path === b.path;
  return false;
}
