/**
 * Git sync specifics: what kind of repository location was written, and the protocol it implies.
 */

export type RepositoryKind = 'https' | 'http' | 'ssh' | 'local' | 'other-url';

/** `git@host:path` and `ssh://` are ssh; `https://`/`http://` are http(s); other schemes are other URLs. */
export function repositoryKind(repository: string): RepositoryKind {
  if (/^ssh:\/\//i.test(repository) || /^[\w.-]+@[\w.-]+:/.test(repository)) return 'ssh';
  if (/^https:\/\//i.test(repository)) return 'https';
  if (/^http:\/\//i.test(repository)) return 'http';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository)) return 'other-url';
  return 'local';
}

/** Mutates `attributes`: fills `protocol` from the repository when it was not written. */
export function defaultProtocol(attributes: Record<string, unknown>): void {
  if (attributes.protocol !== undefined || typeof attributes.repository !== 'string') return;
  attributes.protocol = repositoryKind(attributes.repository) === 'ssh' ? 'ssh' : 'https';
}
