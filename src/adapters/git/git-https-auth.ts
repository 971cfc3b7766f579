/**
 * What each Git service expects with an access token over HTTPS (Basic authentication), and what to tell
 * a user whose token is refused.
 */
import type { GitService } from './git-types';

export interface TokenConvention {
  /** The Basic username sent with the token as the password. */
  username: string;
  /** For messages: how the token was sent. */
  sends: string;
  /** For messages: which token and scopes read a repository on that service. */
  scopes: string;
}

export const TOKEN_CONVENTIONS: Record<GitService, TokenConvention> = {
  github: {
    username: 'x-access-token',
    sends:
      'username "x-access-token" and the token as password (GitHub\'s convention for app and personal tokens)',
    scopes:
      'a fine-grained personal access token with "Contents: Read-only" on this repository, a classic token ' +
      'with the "repo" scope, or a GitHub App installation token; check it with ' +
      '`curl -sI -H "Authorization: Bearer $TOKEN" https://api.github.com/repos/OWNER/REPO`',
  },
  gitlab: {
    username: 'oauth2',
    sends: 'username "oauth2" and the token as password (GitLab\'s convention for access and OAuth tokens)',
    scopes:
      'a personal, group or project access token with the "read_repository" scope, held by a member with ' +
      "at least the Reporter role; GitLab shows a token's scopes and expiry under Access Tokens",
  },
  bitbucket: {
    username: 'x-token-auth',
    sends:
      'username "x-token-auth" and the token as password (Bitbucket Cloud\'s convention for access tokens)',
    scopes:
      'a repository, project or workspace access token with the "Repositories: Read" scope (an app ' +
      'password needs your Bitbucket username instead: use service "generic" behind a proxy, or an access token)',
  },
  azure_devops: {
    username: 'pat',
    sends:
      'username "pat" and the token as password (Azure DevOps accepts any username with a personal access token)',
    scopes:
      'a personal access token with the "Code (Read)" scope, created in the organization that owns the ' +
      'repository and not expired (User settings > Personal access tokens)',
  },
  generic: {
    username: 'git',
    sends: 'username "git" and the token as password',
    scopes: 'a token with read access to the repository, accepted by the server as a Basic password',
  },
};

/** The Authorization header value for `token` on `service`. */
export function basicAuthorization(service: GitService, token: string): string {
  const { username } = TOKEN_CONVENTIONS[service];
  return 'Basic ' + Buffer.from(`${username}:${token}`, 'utf8').toString('base64');
}

/** Loopback hosts, where a token may travel over plain http (local test servers). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}
