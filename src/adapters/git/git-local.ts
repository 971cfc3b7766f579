/**
 * A local repository read in place: its object database at the branch's commit, through its git
 * directory. No clone, no copy, and never the working tree (uncommitted edits are not seen).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { UserError } from '../../errors';
import { missingBranchError } from './git-errors';
import { isoGit, fs } from './git-iso';
import type { LocalLocation } from './git-location';
import type { Scrub } from './git-secrets';
import { TreeFiles } from './git-tree-files';
import type { GitCheckout, GitRemoteSpec } from './git-types';

export async function readLocal(
  spec: GitRemoteSpec,
  location: LocalLocation,
  scrub: Scrub,
): Promise<GitCheckout> {
  const t0 = performance.now();
  const gitdir = findGitdir(location.path);
  const commit = await localHead(spec, location, scrub, gitdir);
  return {
    commit,
    files: new TreeFiles(gitdir, commit),
    kind: 'local',
    stats: { seconds: (performance.now() - t0) / 1000 },
  };
}

export async function localHead(
  spec: GitRemoteSpec,
  location: LocalLocation,
  scrub: Scrub,
  gitdir = findGitdir(location.path),
): Promise<string> {
  const git = isoGit();
  try {
    return await git.resolveRef({ fs, gitdir, ref: `refs/heads/${spec.branch}` });
  } catch {
    const branches = await git.listBranches({ fs, gitdir }).catch(() => [] as string[]);
    throw missingBranchError(spec.branch, branches, location.display, scrub);
  }
}

function isGitdir(dir: string): boolean {
  return existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')) && existsSync(join(dir, 'refs'));
}

/**
 * The git directory of the repository at `path`: `path/.git` (a folder, or a `gitdir:` file as in linked
 * worktrees and submodules, whose shared `commondir` holds the branches), or `path` itself when bare.
 */
export function findGitdir(path: string): string {
  if (!existsSync(path)) {
    throw new UserError(
      `Local Git repository ${path} does not exist`,
      'Check the path ("repository" is relative to the config folder), or clone the repository there.',
    );
  }
  if (!statSync(path).isDirectory()) {
    throw new UserError(
      `Local Git repository ${path} is not a folder`,
      'Point "repository" at the repository\'s root folder.',
    );
  }
  const dotGit = join(path, '.git');
  if (existsSync(dotGit)) {
    if (statSync(dotGit).isDirectory() && isGitdir(dotGit)) return dotGit;
    if (statSync(dotGit).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (m) {
        const linked = isAbsolute(m[1].trim()) ? m[1].trim() : resolve(path, m[1].trim());
        const common = join(linked, 'commondir');
        const dir = existsSync(common) ? resolve(linked, readFileSync(common, 'utf8').trim()) : linked;
        if (isGitdir(dir)) return dir;
      }
    }
  }
  if (isGitdir(path)) return path;
  const enclosing = enclosingRepository(dirname(path));
  throw new UserError(
    `Local path ${path} is not a Git repository (no .git in it)`,
    enclosing
      ? `It is inside the repository at ${enclosing}: set "repository" to that folder and "project_path" to ` +
          `"${relative(enclosing, path).split('\\').join('/')}".`
      : 'Point "repository" at the root of a Git repository (the folder holding .git), or run `git init` and commit there.',
  );
}

function enclosingRepository(start: string): string | undefined {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
