/**
 * The clone cache: one bare, shallow repository per remote and branch under the cache folder. Its
 * `refs/heads/<branch>` names the last commit synced; isomorphic-git offers that commit as a "have" on the
 * next fetch, so the server sends only new objects. Each fetch adds one pack; past MAX_PACKS the cache is
 * cloned afresh (one shallow clone replaces them all: depth 1 keeps no history worth keeping).
 */
import { mkdirSync, readdirSync, rmSync, statSync, openSync, readSync, closeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isoGit, fs, type ObjectCache } from './git-iso';

export const MAX_PACKS = 50;

/** Creates the bare repository when missing. */
export async function ensureBareRepository(gitdir: string, branch: string): Promise<void> {
  if (existsSync(join(gitdir, 'HEAD')) && existsSync(join(gitdir, 'objects'))) return;
  mkdirSync(gitdir, { recursive: true, mode: 0o700 });
  const git = isoGit();
  await git.init({ fs, gitdir, bare: true, defaultBranch: branch });
  // isomorphic-git records fetched heads through the remote's refspec (refs/remotes/origin/<branch>).
  await git.setConfig({
    fs,
    gitdir,
    path: 'remote.origin.fetch',
    value: `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
  });
}

export function resetRepository(gitdir: string): void {
  rmSync(gitdir, { recursive: true, force: true });
}

/** The commit last synced into the cache for `branch`, if it is there and readable. */
export async function cachedHead(
  gitdir: string,
  branch: string,
  cache: ObjectCache,
): Promise<string | undefined> {
  const git = isoGit();
  try {
    const oid = await git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}` });
    await git.readCommit({ fs, gitdir, oid, cache });
    return oid;
  } catch {
    return undefined;
  }
}

export async function recordHead(gitdir: string, branch: string, oid: string): Promise<void> {
  await isoGit().writeRef({ fs, gitdir, ref: `refs/heads/${branch}`, value: oid, force: true });
}

export function packCount(gitdir: string): number {
  try {
    return readdirSync(join(gitdir, 'objects', 'pack')).filter((f) => f.endsWith('.pack')).length;
  } catch {
    return 0;
  }
}

/** Objects in a pack (its header's count) and its size in bytes. */
export function packStats(
  gitdir: string,
  relativePack: string | undefined,
): { objects: number; bytes: number } {
  if (relativePack === undefined) return { objects: 0, bytes: 0 };
  const path = join(gitdir, relativePack);
  const header = Buffer.alloc(12);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  const objects = header.toString('latin1', 0, 4) === 'PACK' ? header.readUInt32BE(8) : 0;
  return { objects, bytes: statSync(path).size };
}
