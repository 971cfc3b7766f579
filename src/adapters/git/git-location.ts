/**
 * Where a repository lives, from the `repository` string: an https URL, an SSH URL (both of git's
 * spellings), or a local path. Also the display form (never with credentials) and the cache key.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../errors';
import type { GitRemoteSpec } from './git-types';

export interface HttpsLocation {
  kind: 'https';
  /** The URL without any user information. */
  url: string;
  host: string;
  /** `http://` rather than `https://`. */
  plain: boolean;
  display: string;
}

export interface SshLocation {
  kind: 'ssh';
  user: string;
  host: string;
  port: number;
  /** What `git-upload-pack` is given: absolute (`/srv/repo.git`) or relative to the home (`org/repo.git`). */
  path: string;
  display: string;
}

export interface LocalLocation {
  kind: 'local';
  path: string;
  display: string;
}

export type GitLocation = HttpsLocation | SshLocation | LocalLocation;

/** The user SSH URLs get when they name none: every hosted service serves Git as `git`. */
export const DEFAULT_SSH_USER = 'git';

// git's rule for the scp-like form: a colon before any slash ([user@]host:path); `[::1]:path` for IPv6.
const SCP_LIKE = /^(?:([^@/:]+)@)?(\[[^\]]+\]|[^:/\\]+):(.*)$/;
const WINDOWS_DRIVE = /^[A-Za-z]:[\\/]/;

export function locate(spec: GitRemoteSpec): GitLocation {
  const repository = spec.repository.trim();
  if (repository === '') throw new UserError('git_sync repository is empty', repositoryHint());

  if (/^https?:\/\//i.test(repository)) {
    expectProtocol(spec, 'https', repository);
    return httpsLocation(repository);
  }
  if (/^(ssh|git\+ssh|ssh\+git):\/\//i.test(repository)) {
    expectProtocol(spec, 'ssh', repository);
    return sshUrlLocation(repository);
  }
  if (/^file:\/\//i.test(repository)) return localLocation(fileURLToPath(repository));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository)) {
    throw new UserError(
      `git_sync repository ${repository}: unsupported URL scheme`,
      'Use an https:// URL, an SSH URL (git@host:org/repo.git or ssh://user@host:port/path), or a local path.',
    );
  }
  const scp = WINDOWS_DRIVE.test(repository) ? null : SCP_LIKE.exec(repository);
  if (scp) {
    expectProtocol(spec, 'ssh', repository);
    const host = scp[2].replace(/^\[|\]$/g, '');
    const user = scp[1] ?? DEFAULT_SSH_USER;
    return { kind: 'ssh', user, host, port: 22, path: scp[3], display: `${user}@${scp[2]}:${scp[3]}` };
  }
  return localLocation(resolveLocal(repository, spec.configDir));
}

function repositoryHint(): string {
  return 'Set repository to an https URL, an SSH URL (git@host:org/repo.git) or a local repository path.';
}

function expectProtocol(spec: GitRemoteSpec, expected: 'https' | 'ssh', repository: string): void {
  if (spec.protocol === expected) return;
  throw new UserError(
    `git_sync repository ${redact(repository)} is an ${expected === 'https' ? 'HTTPS' : 'SSH'} URL but protocol is "${spec.protocol}"`,
    expected === 'https'
      ? 'Set "protocol": "https" (with a token), or use the SSH URL (git@host:org/repo.git) with a private key.'
      : 'Set "protocol": "ssh" (with a private key), or use the https:// URL with a token.',
  );
}

function httpsLocation(repository: string): HttpsLocation {
  let url: URL;
  try {
    url = new URL(repository);
  } catch {
    throw new UserError(`git_sync repository ${redact(repository)} is not a valid URL`, repositoryHint());
  }
  if (url.password !== '') {
    throw new UserError(
      `git_sync repository ${redact(repository)} has a password or token in the URL`,
      'Remove "user:token@" from the URL and put the token in credentials.token as a secret reference ' +
        '({ "env": "GIT_TOKEN" }): secrets are never literals in config.',
    );
  }
  // A bare username (Bitbucket's and Azure DevOps' clone URLs carry one) is dropped: the service's
  // convention decides the username sent with the token.
  url.username = '';
  const clean = url.toString().replace(/\/+$/, '');
  return { kind: 'https', url: clean, host: url.hostname, plain: url.protocol === 'http:', display: clean };
}

function sshUrlLocation(repository: string): SshLocation {
  let url: URL;
  try {
    url = new URL(repository.replace(/^(git\+ssh|ssh\+git):/i, 'ssh:'));
  } catch {
    throw new UserError(`git_sync repository ${redact(repository)} is not a valid SSH URL`, repositoryHint());
  }
  if (url.password !== '') {
    throw new UserError(
      `git_sync repository ${redact(repository)} has a password in the URL`,
      'Remove ":password" from the URL: SSH Git access uses credentials.private_key (a secret reference).',
    );
  }
  const user = url.username !== '' ? decodeURIComponent(url.username) : DEFAULT_SSH_USER;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port !== '' ? Number(url.port) : 22;
  let path = decodeURIComponent(url.pathname);
  // ssh://host/~user/repo means ~user/repo, as git reads it.
  if (path.startsWith('/~')) path = path.slice(1);
  if (path === '' || path === '/') {
    throw new UserError(
      `git_sync repository ${redact(repository)} names no repository path`,
      repositoryHint(),
    );
  }
  const hostPort = port === 22 ? url.hostname : `${url.hostname}:${port}`;
  return { kind: 'ssh', user, host, port, path, display: `ssh://${user}@${hostPort}${url.pathname}` };
}

function resolveLocal(path: string, configDir: string): string {
  const expanded = path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
  return isAbsolute(expanded) ? expanded : resolve(configDir, expanded);
}

function localLocation(path: string): LocalLocation {
  return { kind: 'local', path, display: path };
}

/** A repository string safe to print: any `user:password@` is masked. */
export function redact(repository: string): string {
  return repository.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, (_m, scheme: string) => `${scheme}***@`);
}

/** The cache folder name of a remote and branch: stable, filesystem-safe, no credentials in it. */
export function cacheKey(location: HttpsLocation | SshLocation, branch: string): string {
  const canonical =
    location.kind === 'https'
      ? location.url
      : `ssh://${location.user}@${location.host}:${location.port}:${location.path}`;
  const slug = (
    location.kind === 'https' ? location.url.replace(/^https?:\/\//, '') : location.host + '-' + location.path
  )
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(-40);
  const hash = createHash('sha256').update(`${canonical}\n${branch}`).digest('hex').slice(0, 16);
  return `${slug}-${hash}.git`;
}
