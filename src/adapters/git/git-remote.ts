/**
 * Syncing a remote repository (HTTPS or SSH) into the clone cache: list the branch heads (one request),
 * then, only when the head moved, a shallow single-branch fetch of the new objects.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cacheKey, type HttpsLocation, type SshLocation } from './git-location';
import { missingBranchError, remoteUserError } from './git-errors';
import { isoGit, fs, preferSyncSha1, type ObjectCache } from './git-iso';
import type { Scrub } from './git-secrets';
import { openTransport, type RemoteTransport } from './git-transport';
import {
  MAX_PACKS,
  cachedHead,
  ensureBareRepository,
  packCount,
  packStats,
  recordHead,
  resetRepository,
} from './git-cache';
import { UserError } from '../../errors';
import { ObjectStore } from './git-object-store';
import { TreeFiles } from './git-tree-files';
import type { GitCheckout, GitRemoteSpec, SyncOptions } from './git-types';

type RemoteLocation = HttpsLocation | SshLocation;

export async function syncRemote(
  spec: GitRemoteSpec,
  location: RemoteLocation,
  opts: SyncOptions,
  scrub: Scrub,
): Promise<GitCheckout> {
  const t0 = performance.now();
  const progress = opts.onProgress ?? (() => undefined);
  const gitdir = join(opts.cacheDir, cacheKey(location, spec.branch));
  const transport = openTransport(spec, location, scrub);
  try {
    progress({ phase: 'Connecting' });
    const head = await branchHead(spec, transport, scrub);
    const cache: ObjectCache = {};
    await preferSyncSha1();
    let previous = await cachedHead(gitdir, spec.branch, cache);
    if (previous === head) {
      progress({ phase: 'Up to date' });
      return checkout(gitdir, head, 'fetch', { objectsFetched: 0, bytesFetched: 0 }, t0);
    }
    // A clone starts from an empty repository (whatever a damaged cache left is dropped); past MAX_PACKS
    // incremental packs, one fresh shallow clone replaces them all.
    if (previous === undefined || packCount(gitdir) >= MAX_PACKS) {
      resetRepository(gitdir);
      previous = undefined;
    }
    await ensureBareRepository(gitdir, spec.branch);
    let fetched: { commit: string; objects: number; bytes: number };
    try {
      fetched = await fetchBranch(spec, transport, gitdir, previous === undefined ? {} : cache, opts);
    } catch (err) {
      // A failed transfer may have left a partial pack or shallow list behind: the next sync starts over
      // from an empty cache rather than trusting it.
      const userError = remoteUserError(err, spec, transport.display, scrub);
      if (previous === undefined || userError) {
        resetRepository(gitdir);
        throw err;
      }
      // A cache left damaged (an interrupted run, a disk error) is not the user's problem: clone afresh once.
      resetRepository(gitdir);
      await ensureBareRepository(gitdir, spec.branch);
      previous = undefined;
      fetched = await fetchBranch(spec, transport, gitdir, {}, opts);
    }
    return checkout(
      gitdir,
      fetched.commit,
      previous === undefined ? 'clone' : 'fetch',
      { objectsFetched: fetched.objects, bytesFetched: fetched.bytes },
      t0,
    );
  } catch (err) {
    throw remoteUserError(err, spec, transport.display, scrub) ?? scrubError(err, scrub);
  } finally {
    transport.close();
  }
}

/** The branch head on the remote, without fetching objects (one request, like `git ls-remote`). */
export async function remoteHead(
  spec: GitRemoteSpec,
  location: RemoteLocation,
  scrub: Scrub,
): Promise<string> {
  const transport = openTransport(spec, location, scrub);
  try {
    return await branchHead(spec, transport, scrub);
  } catch (err) {
    throw remoteUserError(err, spec, transport.display, scrub) ?? scrubError(err, scrub);
  } finally {
    transport.close();
  }
}

async function branchHead(spec: GitRemoteSpec, transport: RemoteTransport, scrub: Scrub): Promise<string> {
  const refs = await isoGit().listServerRefs({
    http: transport.http,
    url: transport.url,
    headers: { ...transport.headers },
    protocolVersion: 1,
    prefix: 'refs/heads/',
  });
  const heads = new Map(refs.map((r) => [r.ref.slice('refs/heads/'.length), r.oid]));
  const head = heads.get(spec.branch);
  if (head === undefined) throw missingBranchError(spec.branch, [...heads.keys()], transport.display, scrub);
  return head;
}

async function fetchBranch(
  spec: GitRemoteSpec,
  transport: RemoteTransport,
  gitdir: string,
  cache: ObjectCache,
  opts: SyncOptions,
): Promise<{ commit: string; objects: number; bytes: number }> {
  const ref = `refs/heads/${spec.branch}`;
  const result = await isoGit()
    .fetch({
      fs,
      http: transport.http,
      gitdir,
      cache,
      url: transport.url,
      headers: { ...transport.headers },
      // `ref` is also what isomorphic-git offers as a "have": the commit of the previous sync.
      ref,
      remoteRef: ref,
      remote: 'origin',
      singleBranch: true,
      depth: 1,
      tags: false,
      onProgress: opts.onProgress
        ? (e) => opts.onProgress?.({ phase: e.phase, loaded: e.loaded, total: e.total })
        : undefined,
    })
    .catch((err: unknown) => {
      // The refs were listed a moment ago, so a pack response isomorphic-git cannot parse is one that
      // ended early (a server or proxy that closed the message mid-transfer), not a server that is not Git.
      const code = (err as { code?: string }).code;
      if (code === 'ParseError' || code === 'EmptyServerResponseError' || code === 'SmartHttpError') {
        throw incompleteTransfer(transport.display, undefined, []);
      }
      throw err;
    });
  if (!result.fetchHead) throw missingBranchError(spec.branch, [], transport.display, (s) => s);
  // The branch moves only when the transfer is complete: every object of the tip's tree is present.
  const missing = await new ObjectStore(gitdir).missingFromTree(result.fetchHead);
  if (missing.length > 0) throw incompleteTransfer(transport.display, result.fetchHead, missing);
  await recordHead(gitdir, spec.branch, result.fetchHead);
  // isomorphic-git returns the new pack's path (undocumented in its types); none when nothing was sent.
  const { objects, bytes } = packStats(gitdir, (result as { packfile?: string }).packfile);
  return { commit: result.fetchHead, objects, bytes };
}

function checkout(
  gitdir: string,
  commit: string,
  kind: GitCheckout['kind'],
  counts: { objectsFetched: number; bytesFetched: number },
  t0: number,
): GitCheckout {
  return {
    commit,
    files: new TreeFiles(gitdir, commit),
    kind,
    stats: { ...counts, seconds: (performance.now() - t0) / 1000 },
  };
}

function incompleteTransfer(display: string, commit: string | undefined, missing: string[]): UserError {
  const what = commit
    ? `${missing.length}${missing.length >= 5 ? '+' : ''} object(s) of commit ${commit.slice(0, 12)} are missing (${missing[0].slice(0, 12)}…)`
    : 'the pack ended before its last object';
  return new UserError(
    `The transfer from the Git repository ${display} was incomplete: ${what}. Nothing was recorded.`,
    'The server or a proxy closed the connection mid-transfer. Run again: the next sync starts the transfer over.',
  );
}

/** An unexpected error (a bug) keeps its stack, minus any secret in its message. */
function scrubError(err: unknown, scrub: Scrub): unknown {
  if (err instanceof Error) err.message = scrub(err.message);
  return err;
}
