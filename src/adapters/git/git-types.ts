/**
 * The Git adapter's contract: what the engine passes in (a remote spec with secret values already read)
 * and what it gets back (a commit and read access to the tree at that commit).
 */

export type GitProtocol = 'https' | 'ssh';
export type GitService = 'github' | 'gitlab' | 'bitbucket' | 'azure_devops' | 'generic';

/** Secret values already read from their references. Never logged, never put in a message. */
export interface GitCredentials {
  /** HTTPS: a personal/project/installation access token, sent with the service's username convention. */
  token?: string;
  /** SSH: a private key, OpenSSH or PEM format, kept in memory only. */
  private_key?: string;
  /** SSH: the private key's passphrase, when it is encrypted. */
  passphrase?: string;
  /** SSH: known_hosts content pinning the server's host key (`host keytype base64`, one per line). */
  known_hosts?: string;
  /** SSH: accept any host key. Only for throw-away setups: it allows a man in the middle. */
  insecure_ignore_host_key?: boolean;
}

export interface GitRemoteSpec {
  /** https URL, ssh URL (`git@host:org/repo.git`, `ssh://user@host:port/path`), or a local path. */
  repository: string;
  protocol: GitProtocol;
  service: GitService;
  branch: string;
  /** Relative local paths resolve against this folder. */
  configDir: string;
  credentials?: GitCredentials;
}

/**
 * Read access to a tree at one commit (not a working tree). Paths are POSIX, relative to the repository
 * root, without a leading `./`. The same shape the dbt loader takes.
 */
export interface ProjectFiles {
  /** Every regular file of the tree, sorted. Symbolic links and submodules are not listed. */
  list(): Promise<string[]>;
  /** A file's content as UTF-8 text. Rejects (code ENOENT) for a path that is not a file of the tree. */
  read(path: string): Promise<string>;
  /** A file's Git blob id: equal ids mean equal content, so a reload re-reads only what changed. */
  id(path: string): Promise<string>;
}

export interface GitCheckout {
  /** The branch head's commit SHA. */
  commit: string;
  /** The tree at that commit. */
  files: ProjectFiles;
  /** `clone`: first sync into an empty cache; `fetch`: incremental; `local`: read in place, no copy. */
  kind: 'clone' | 'fetch' | 'local';
  /** For display only. A fetch that found the head unchanged has objectsFetched 0. */
  stats: { objectsFetched?: number; bytesFetched?: number; seconds: number };
}

export interface GitProgress {
  /** `Connecting`, `Receiving objects`, `Indexing objects`, `Resolving deltas`, `Up to date`… */
  phase: string;
  loaded?: number;
  total?: number;
}

export interface SyncOptions {
  /** Folder holding one bare repository per remote and branch (created when missing). */
  cacheDir: string;
  onProgress?: (p: GitProgress) => void;
}
