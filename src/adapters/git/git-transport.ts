/**
 * A way to reach a remote repository for one sync, as isomorphic-git wants it: an HTTP client plugin (in
 * a smart session: see git-smart-session.ts), the URL to give it, and headers. HTTPS uses git-https-client.ts with the token in an Authorization header (never re-sent to another origin on a redirect);
 * SSH uses git-ssh-transport.ts, which speaks the same requests over an SSH connection.
 */
import type { HttpClient } from 'isomorphic-git';
import { gitHttpsClient } from './git-https-client';
import { UserError } from '../../errors';
import { TOKEN_CONVENTIONS, basicAuthorization, isLoopbackHost } from './git-https-auth';
import type { HttpsLocation, SshLocation } from './git-location';
import type { Scrub } from './git-secrets';
import { SshTransport } from './git-ssh-transport';
import { smartSession } from './git-smart-session';
import type { GitRemoteSpec } from './git-types';

export interface RemoteTransport {
  http: HttpClient;
  url: string;
  headers: Record<string, string>;
  /** The repository as messages show it (no credentials). */
  display: string;
  close(): void;
}

export function openTransport(
  spec: GitRemoteSpec,
  location: HttpsLocation | SshLocation,
  scrub: Scrub,
): RemoteTransport {
  if (location.kind === 'ssh') {
    const ssh = new SshTransport(location, spec.credentials, scrub);
    return {
      http: smartSession(ssh.http),
      url: ssh.url,
      headers: {},
      display: ssh.display,
      close: () => ssh.close(),
    };
  }
  const headers: Record<string, string> = {};
  const token = spec.credentials?.token;
  if (token !== undefined && token !== '') {
    if (location.plain && !isLoopbackHost(location.host)) {
      throw new UserError(
        `Git repository ${location.display}: refusing to send the token over plain http to ${location.host}`,
        'Use the https:// URL of the repository: over http anyone on the network path can read the token.',
      );
    }
    // Sent with the first request rather than after a 401 challenge: one round trip fewer, and servers
    // that answer 404 to anonymous requests for private repositories still see the credentials.
    headers.Authorization = basicAuthorization(spec.service, token);
  }
  return {
    http: smartSession(gitHttpsClient),
    url: location.url,
    headers,
    display: location.display,
    close: () => undefined,
  };
}

/** For messages: how the token was sent to this service. */
export function tokenConventionOf(spec: GitRemoteSpec): string {
  return TOKEN_CONVENTIONS[spec.service].sends;
}
