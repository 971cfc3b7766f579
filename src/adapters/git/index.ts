/**
 * The Git adapter: a dbt repository's tree at its branch head, from a remote (HTTPS with a token, SSH
 * with a private key) through a shallow clone cache, or from a local repository read in place.
 *
 *   const checkout = await syncRepository(spec, { cacheDir, onProgress });
 *   checkout.commit; await checkout.files.read('dbt_project.yml');
 *   const head = await headCommit(spec);      // refresh: the branch head, no objects fetched
 */
import { locate } from './git-location';
import { readLocal, localHead } from './git-local';
import { remoteHead, syncRemote } from './git-remote';
import { scrubberFor } from './git-secrets';
import type { GitCheckout, GitRemoteSpec, SyncOptions } from './git-types';

export type {
  GitCheckout,
  GitCredentials,
  GitProgress,
  GitProtocol,
  GitRemoteSpec,
  GitService,
  ProjectFiles,
  SyncOptions,
} from './git-types';
export { TOKEN_CONVENTIONS } from './git-https-auth';
export { fetchPackage, type FetchedPackage, type PackageRevision } from './git-package';

/**
 * The tree at the branch head. Remote: the first sync is a shallow (depth 1), single-branch fetch into a
 * bare repository under `opts.cacheDir` (no working tree is written); later syncs fetch only the objects
 * of the new head, or nothing when the head has not moved. Local: read in place. Every failure a user can
 * fix is a UserError with no secret in it.
 */
export async function syncRepository(spec: GitRemoteSpec, opts: SyncOptions): Promise<GitCheckout> {
  const scrub = scrubberFor(spec.credentials);
  const location = locate(spec);
  if (location.kind === 'local') return readLocal(spec, location, scrub);
  return syncRemote(spec, location, opts, scrub);
}

/** The branch head's SHA without fetching objects (like `git ls-remote`); local: the branch ref. */
export async function headCommit(spec: GitRemoteSpec, _opts: Partial<SyncOptions> = {}): Promise<string> {
  const scrub = scrubberFor(spec.credentials);
  const location = locate(spec);
  if (location.kind === 'local') return localHead(spec, location, scrub);
  return remoteHead(spec, location, scrub);
}

/**
 * Where a sync of `repository` sends its credentials: `https://host:port` or `ssh://host:port` (scheme, host
 * and port, lower case, default ports made explicit); undefined for a local repository, which sends
 * nothing. Throws a UserError for a repository string that names no usable place.
 */
export function remoteEndpoint(repository: string, protocol: GitRemoteSpec['protocol']): string | undefined {
  const location = locate({ repository, protocol, service: 'generic', branch: 'main', configDir: '.' });
  if (location.kind === 'local') return undefined;
  if (location.kind === 'ssh') return `ssh://${location.host.toLowerCase()}:${location.port}`;
  const url = new URL(location.url);
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  return `${url.protocol}//${url.hostname.toLowerCase()}:${port}`;
}
