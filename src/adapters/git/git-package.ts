/**
 * A dbt package's repository at one revision, as `dbt deps` would fetch it: anonymously (no token, key or
 * environment value is ever sent to a package URL), over https (or http to loopback) only, pinned to a
 * commit, and cached content-addressed by URL and commit under `<cacheDir>/packages/`.
 *
 * With the network: one request lists the remote's refs and resolves the revision (a commit SHA, a tag, a
 * branch, the default branch, or — for hub packages — the highest tag satisfying the version range); a
 * cached URL+commit is then used as is, else that one commit is fetched (depth 1; a SHA no ref points at
 * costs a full fetch of the default branch) and its whole tree checked before it is recorded. Without the
 * network (plan on an untrusted pull request), only what an earlier fetch recorded for this URL and
 * revision is read: nothing is sent anywhere.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { maxSatisfying, valid } from 'semver';
import { writeCacheFile } from '../../cache-file';
import { UserError } from '../../errors';
import { ensureBareRepository, recordHead, resetRepository } from './git-cache';
import { remoteUserError } from './git-errors';
import { isoGit, fs, preferSyncSha1 } from './git-iso';
import { locate, type HttpsLocation } from './git-location';
import { ObjectStore } from './git-object-store';
import { TreeFiles } from './git-tree-files';
import { openTransport } from './git-transport';
import type { GitRemoteSpec, ProjectFiles } from './git-types';

export interface PackageRevision {
  /** The package's clone URL (https). */
  url: string;
  /** A commit SHA, tag or branch; neither this nor `versions`: the default branch. */
  revision?: string;
  /** Hub version specifiers (`>=1.0.0`, `<2.0.0`, `1.1.1`): the highest tag satisfying them all. */
  versions?: string[];
}

export interface FetchedPackage {
  commit: string;
  /** The tag, branch or SHA the revision resolved through (for messages and provenance). */
  resolved: string;
  files: ProjectFiles;
  /** `cache`: read from the package cache, nothing sent; `fetch`: fetched now. */
  kind: 'cache' | 'fetch';
}

const PINNED = 'pinned';
const SHA = /^[0-9a-f]{40}$/;

export async function fetchPackage(
  pkg: PackageRevision,
  opts: { cacheDir: string; network: boolean },
): Promise<FetchedPackage> {
  const location = packageLocation(pkg.url);
  const root = join(opts.cacheDir, 'packages');
  const urlKey = hash(location.url);
  const aliasFile = join(root, `${urlKey}-${hash(revisionKey(pkg))}.ref`);
  const gitdirOf = (commit: string) => join(root, `${urlKey}-${commit}.git`);
  await preferSyncSha1();

  // An exact pin (a commit SHA, as package-lock.yml records git packages, or one hub version) already in
  // the cache is read without contacting the remote; anything that can move (a branch, a range) is
  // resolved again when the network is allowed.
  if (!opts.network || exactPin(pkg)) {
    const alias = readAlias(aliasFile);
    if (alias && (await complete(gitdirOf(alias.commit), alias.commit))) {
      return {
        commit: alias.commit,
        resolved: alias.resolved,
        files: tree(gitdirOf(alias.commit), alias.commit),
        kind: 'cache',
      };
    }
    if (!opts.network) {
      throw new UserError(`${location.display} at ${describe(pkg)} is not in the package cache`);
    }
  }

  const spec: GitRemoteSpec = {
    repository: location.url,
    protocol: 'https',
    service: 'generic',
    branch: PINNED,
    configDir: '.',
  };
  const scrub = (s: string) => s;
  const transport = openTransport(spec, location, scrub);
  try {
    const refs = await isoGit().listServerRefs({
      http: transport.http,
      url: transport.url,
      headers: { ...transport.headers },
      protocolVersion: 1,
      symrefs: true,
      peelTags: true,
    });
    const target = resolveRevision(pkg, refs, location.display);
    const gitdir = gitdirOf(target.commit);
    if (!(await complete(gitdir, target.commit))) {
      resetRepository(gitdir);
      await ensureBareRepository(gitdir, PINNED);
      try {
        await fetchCommit(transport, gitdir, target);
      } catch (err) {
        resetRepository(gitdir);
        throw err;
      }
      const missing = await new ObjectStore(gitdir).missingFromTree(target.commit);
      if (missing.length > 0) {
        resetRepository(gitdir);
        throw new UserError(
          `the transfer from ${location.display} was incomplete (${missing.length}+ objects of ${target.commit.slice(0, 12)} missing)`,
        );
      }
      await recordHead(gitdir, PINNED, target.commit);
    }
    writeAlias(aliasFile, target.commit, target.resolved);
    return {
      commit: target.commit,
      resolved: target.resolved,
      files: tree(gitdir, target.commit),
      kind: 'fetch',
    };
  } catch (err) {
    throw remoteUserError(err, spec, location.display, scrub) ?? err;
  } finally {
    transport.close();
  }
}

/** https (or http to loopback, as the Git syncs allow) only: a package never reads the runner's disk or SSH. */
function packageLocation(url: string): HttpsLocation {
  let location;
  try {
    location = locate({
      repository: url,
      protocol: 'https',
      service: 'generic',
      branch: PINNED,
      configDir: '.',
    });
  } catch (err) {
    throw new UserError(`"${url}" is not a Git URL Backflow can fetch (${(err as Error).message})`);
  }
  if (location.kind !== 'https') {
    throw new UserError(
      `"${url}" is not an https URL: Backflow fetches packages anonymously over https only (no SSH keys, no local paths)`,
    );
  }
  return location;
}

interface Target {
  commit: string;
  /** The ref to fetch (undefined: a SHA no ref points at). */
  ref?: string;
  resolved: string;
}

type ServerRef = { ref: string; oid: string; peeled?: string; target?: string };

function resolveRevision(pkg: PackageRevision, refs: ServerRef[], display: string): Target {
  const commitOf = (r: ServerRef) => r.peeled ?? r.oid;
  const byName = new Map(refs.map((r) => [r.ref, r]));
  if (pkg.versions !== undefined && pkg.revision === undefined) {
    const tags = refs.filter((r) => r.ref.startsWith('refs/tags/') && !r.ref.endsWith('^{}'));
    const versions = new Map<string, ServerRef>();
    for (const t of tags) {
      const name = t.ref.slice('refs/tags/'.length);
      const v = valid(name.replace(/^v/, ''));
      if (v && !versions.has(v)) versions.set(v, t);
    }
    const range = pkg.versions.length === 0 ? '*' : pkg.versions.map((v) => v.replace(/^==/, '=')).join(' ');
    const best = maxSatisfying([...versions.keys()], range);
    if (best === null) {
      throw new UserError(
        `${display} has no tag satisfying version ${JSON.stringify(pkg.versions)} (tags: ${[...versions.keys()].slice(-8).join(', ') || 'none'})`,
      );
    }
    const tag = versions.get(best)!;
    return { commit: commitOf(tag), ref: tag.ref, resolved: tag.ref.slice('refs/tags/'.length) };
  }
  const rev = pkg.revision;
  if (rev === undefined) {
    const head = byName.get('HEAD');
    if (!head) throw new UserError(`${display} has no default branch (HEAD)`);
    const branch = head.target?.startsWith('refs/heads/') ? head.target : undefined;
    return { commit: head.oid, ref: branch, resolved: branch?.slice('refs/heads/'.length) ?? 'HEAD' };
  }
  for (const name of [`refs/tags/${rev}`, `refs/heads/${rev}`]) {
    const r = byName.get(name);
    if (r) return { commit: commitOf(r), ref: name, resolved: rev };
  }
  const lower = rev.toLowerCase();
  if (SHA.test(lower)) {
    const at = refs.find((r) => commitOf(r) === lower && !r.ref.endsWith('^{}') && r.ref !== 'HEAD');
    return { commit: lower, ...(at ? { ref: at.ref } : {}), resolved: lower };
  }
  throw new UserError(`${display} has no tag, branch or commit "${rev}"`);
}

async function fetchCommit(
  transport: ReturnType<typeof openTransport>,
  gitdir: string,
  target: Target,
): Promise<void> {
  const git = isoGit();
  await git.fetch({
    fs,
    http: transport.http,
    gitdir,
    url: transport.url,
    headers: { ...transport.headers },
    singleBranch: true,
    tags: false,
    // A ref: its tip only. A SHA no ref points at (an older commit of a branch): the default branch's
    // whole history, which holds it if any branch does.
    ...(target.ref !== undefined ? { ref: target.ref, remoteRef: target.ref, depth: 1 } : {}),
  });
  if (target.ref !== undefined) return;
  try {
    await git.readCommit({ fs, gitdir, oid: target.commit });
  } catch {
    throw new UserError(`commit ${target.commit} is not on the default branch of ${transport.url}`);
  }
}

async function complete(gitdir: string, commit: string): Promise<boolean> {
  if (!existsSync(join(gitdir, 'HEAD'))) return false;
  try {
    const pinned = await isoGit().resolveRef({ fs, gitdir, ref: `refs/heads/${PINNED}` });
    return pinned === commit;
  } catch {
    return false;
  }
}

function tree(gitdir: string, commit: string): ProjectFiles {
  return new TreeFiles(gitdir, commit);
}

function exactPin(pkg: PackageRevision): boolean {
  if (pkg.revision !== undefined) return SHA.test(pkg.revision.toLowerCase());
  return pkg.versions?.length === 1 && valid(pkg.versions[0].replace(/^=+/, '')) !== null;
}

function revisionKey(pkg: PackageRevision): string {
  return JSON.stringify([pkg.revision ?? null, pkg.versions ?? null]);
}

function describe(pkg: PackageRevision): string {
  if (pkg.revision !== undefined) return `revision ${pkg.revision}`;
  if (pkg.versions !== undefined) return `version ${JSON.stringify(pkg.versions)}`;
  return 'its default branch';
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

function readAlias(file: string): { commit: string; resolved: string } | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as { commit?: unknown; resolved?: unknown };
    if (typeof v.commit === 'string' && SHA.test(v.commit) && typeof v.resolved === 'string') {
      return { commit: v.commit, resolved: v.resolved };
    }
  } catch {
    // no alias yet, or a damaged one: only a cache
  }
  return undefined;
}

function writeAlias(file: string, commit: string, resolved: string): void {
  writeCacheFile(file, JSON.stringify({ commit, resolved }), { mode: 0o600, dirMode: 0o700 });
}
