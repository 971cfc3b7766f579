/**
 * `dbt deps` for the loader: the packages a project's packages.yml / dependencies.yml name and its
 * repository does not commit, fetched pinned (package-lock.yml first) into the package cache and handed to
 * the loader as mounts. Hub packages go through their Git repositories (hub-packages.ts).
 *
 * Who may be contacted: packages are always fetched anonymously (no Git sync token or key, no environment
 * value: packages.yml's Jinja is not rendered), but a pull request chooses their URLs, and plan runs on
 * pull requests inside CI's network. So `plan` fetches only from public Git hosts (PUBLIC_GIT_HOSTS) and
 * otherwise reads the package cache, which an earlier apply or trusted run filled; a package it can do
 * neither with is reported, and the models needing it are unresolved. apply, `models` commands and
 * `plan --trust-new-endpoints` fetch from any https host.
 */
import pLimit from 'p-limit';
import type { CatalogWarning, PackageMount, PackageRequest, ProjectFiles } from '../adapters/dbt';

const loadGit = () => require('../adapters/git') as typeof import('../adapters/git');
const loadDbt = () => require('../adapters/dbt') as typeof import('../adapters/dbt');

/** Hosts plan may fetch packages from: public code hosts, where a URL cannot reach CI's own network. */
export const PUBLIC_GIT_HOSTS = new Set(['github.com', 'gitlab.com', 'bitbucket.org']);

export interface PackageInstall {
  mounts: PackageMount[];
  warnings: CatalogWarning[];
  /** For display: packages fetched now and read from the cache. */
  fetched: number;
  cached: number;
}

/** How deep packages' own packages.yml are followed (dbt deps has no limit; a cycle stops at `seen`). */
const MAX_DEPTH = 8;
/** At most this many packages per project, dependencies included: a bound on what a pull request can ask. */
const MAX_PACKAGES = 64;

export async function installPackages(
  files: ProjectFiles,
  projectPath: string,
  opts: { cacheDir: string; anyHost: boolean },
): Promise<PackageInstall> {
  const dbt = loadDbt();
  const { requests, warnings } = await dbt.readPackageRequests(files, projectPath);
  const out: PackageInstall = { mounts: [], warnings, fetched: 0, cached: 0 };
  if (requests.length === 0) return out;
  const limit = pLimit(4);
  // package-lock.yml lists the packages' own dependencies already, pinned: with it, nothing more is read.
  // Without it, each fetched package's packages.yml is followed, breadth first, as dbt deps does; the
  // first request of a package wins (the project's own, then the shallowest), where dbt deps would
  // intersect version ranges.
  const followDependencies = !requests.some((r) => r.kind !== 'local' && r.locked);
  const seen = new Set(requests.map(identity));
  let level = requests.map((r) => ({ r, files }));
  for (let depth = 0; level.length > 0; depth++) {
    const results = await Promise.all(
      level.map(({ r, files: from }) =>
        limit(() => installOne(r, from, opts).catch((err: unknown) => failure(r, err))),
      ),
    );
    const next: { r: PackageRequest; files: ProjectFiles }[] = [];
    for (const [i, r] of results.entries()) {
      if ('warning' in r) {
        out.warnings.push(r.warning);
        continue;
      }
      out.mounts.push(r.mount);
      if (r.kind === 'fetch') out.fetched++;
      else if (r.kind === 'cache') out.cached++;
      if (!followDependencies || r.kind === 'local' || depth + 1 >= MAX_DEPTH) continue;
      const parent = nameOf(level[i].r);
      const own = await dbt.readPackageRequests(r.mount.files, r.mount.root);
      for (const w of own.warnings) out.warnings.push({ ...w, message: `package ${parent}: ${w.message}` });
      for (const dep of own.requests) {
        const id = identity(dep);
        if (seen.has(id)) continue;
        if (seen.size >= MAX_PACKAGES) {
          out.warnings.push({
            ...dep.origin,
            message: `package ${parent} needs more packages than the ${MAX_PACKAGES} Backflow installs for one project: ${nameOf(dep)} is not installed; the models that need it are unresolved`,
          });
          continue;
        }
        seen.add(id);
        // Named as dbt deps names it: the dependency's packages.yml, inside the package that needs it.
        const origin = { ...dep.origin, file: `${dep.origin.file} of package ${parent}` };
        next.push({ r: { ...dep, origin }, files: r.mount.files });
      }
    }
    level = next;
  }
  return out;
}

/** What makes two requests the same package: the repository (and folder in it), or the hub name. */
function identity(r: PackageRequest): string {
  const dbt = loadDbt();
  if (r.kind === 'local') return `local ${r.path}`;
  // A hub package and a git: entry for its repository are one package.
  const url = r.kind === 'git' ? r.url : dbt.hubRepository(r.package);
  if (url === undefined) return `hub ${r.kind === 'hub' ? r.package.toLowerCase() : ''}`;
  return `git ${dbt.normaliseGitUrl(url)} ${r.kind === 'git' ? (r.subdirectory ?? '') : ''}`;
}

type Installed = { mount: PackageMount; kind: 'fetch' | 'cache' | 'local' } | { warning: CatalogWarning };

const where = (r: PackageRequest) => `${r.origin.file}${r.origin.line ? ` line ${r.origin.line}` : ''}`;

function nameOf(r: PackageRequest): string {
  if (r.kind === 'hub') return `${r.package}${r.versions.length ? ` ${JSON.stringify(r.versions)}` : ''}`;
  if (r.kind === 'git') return `${r.url}${r.revision ? `@${r.revision}` : ''}`;
  return r.path;
}

async function installOne(
  r: PackageRequest,
  files: ProjectFiles,
  opts: { cacheDir: string; anyHost: boolean },
): Promise<Installed> {
  if (r.kind === 'local') {
    return { mount: { label: `${where(r)}: local package ${r.path}`, files, root: r.path }, kind: 'local' };
  }
  const hub = r.kind === 'hub' ? r.package : '';
  const url = r.kind === 'git' ? r.url : loadDbt().hubRepository(hub);
  if (url === undefined) {
    return {
      warning: {
        file: r.origin.file,
        line: r.origin.line,
        message: `${where(r)}: hub package ${hub} is not one Backflow knows the Git repository of (it does not call the dbt hub): name it with git: and its URL in packages.yml, commit package-lock.yml, or commit dbt_packages/; the models that need it are unresolved`,
      },
    };
  }
  const host = hostOf(url);
  const network = opts.anyHost || (host !== undefined && PUBLIC_GIT_HOSTS.has(host));
  const { fetchPackage } = loadGit();
  let fetched;
  try {
    fetched = await fetchPackage(
      {
        url,
        ...(r.kind === 'git' && r.revision !== undefined ? { revision: r.revision } : {}),
        ...(r.kind === 'hub' ? { versions: r.versions } : {}),
      },
      { cacheDir: opts.cacheDir, network },
    );
  } catch (err) {
    if (!network) {
      return {
        warning: {
          file: r.origin.file,
          line: r.origin.line,
          message: `${where(r)}: package ${nameOf(r)} is not fetched by plan: its host ${host ?? url} is not a public Git host, and a pull request may name any URL; apply fetches it (or plan --trust-new-endpoints); the models that need it are unresolved`,
        },
      };
    }
    throw err;
  }
  const subdirectory = r.kind === 'git' ? (r.subdirectory ?? '') : '';
  return {
    mount: {
      label: `${where(r)}: package ${nameOf(r)} (${fetched.resolved}, commit ${fetched.commit.slice(0, 12)})`,
      files: fetched.files,
      root: subdirectory,
    },
    kind: fetched.kind,
  };
}

function failure(r: PackageRequest, err: unknown): Installed {
  const e = err as { message?: string; hint?: string };
  return {
    warning: {
      file: r.origin.file,
      line: r.origin.line,
      message: `${where(r)}: package ${nameOf(r)} cannot be fetched: ${e.message ?? String(err)}; the models that need it are unresolved`,
    },
  };
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
