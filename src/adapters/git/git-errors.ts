/**
 * Turns what isomorphic-git, Node's sockets and the HTTP server say into UserErrors that name the
 * repository, what went wrong and what to do, with every secret scrubbed out.
 */
import { UserError } from '../../errors';
import { suggestion } from '../../config/did-you-mean';
import { TOKEN_CONVENTIONS } from './git-https-auth';
import { scrubbedError, type Scrub } from './git-secrets';
import type { GitRemoteSpec } from './git-types';

interface ErrorLike {
  code?: string;
  message?: string;
  data?: { statusCode?: number; statusMessage?: string; response?: string };
  cause?: unknown;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (temporary DNS failure)',
  ELOOPBACKGUARD: 'blocked by the test loopback guard',
};

const TLS_CODES = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|ERR_TLS_)/;

/**
 * A UserError for a failure talking to a remote repository, or undefined when `err` is not one we
 * recognise (a bug, or a damaged cache: the caller decides).
 */
export function remoteUserError(
  err: unknown,
  spec: GitRemoteSpec,
  display: string,
  scrub: Scrub,
): UserError | undefined {
  if (err instanceof UserError) return err;
  const e = (err ?? {}) as ErrorLike;
  const code = e.code ?? '';

  if (code === 'HttpError') {
    const status = e.data?.statusCode ?? 0;
    return httpStatusError(status, e.data?.statusMessage ?? '', spec, display, scrub);
  }
  if (code === 'SmartHttpError' || code === 'ParseError' || code === 'EmptyServerResponseError') {
    return scrubbedError(
      scrub,
      `Git repository ${display}: the server did not answer as a Git server (smart HTTP)`,
      'Check the URL is the clone URL of the repository (it usually ends in .git), not a web page.',
    );
  }
  if (code === 'UserCanceledError') return httpStatusError(401, 'Unauthorized', spec, display, scrub);
  if (code in NETWORK_CODES) {
    return scrubbedError(
      scrub,
      `Cannot reach the Git repository ${display}: ${NETWORK_CODES[code]} (${code})`,
      code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? "Check the host name in the URL and this machine's DNS."
        : 'Check the URL, that the Git server is up, and that no firewall or proxy blocks this machine.',
    );
  }
  if (TLS_CODES.test(code)) {
    return scrubbedError(
      scrub,
      `Git repository ${display}: the TLS certificate was refused (${code}: ${e.message ?? ''})`,
      'A corporate proxy or a self-hosted server with a private CA needs that CA: set NODE_EXTRA_CA_CERTS=/path/to/ca.pem.',
    );
  }
  return undefined;
}

function httpStatusError(
  status: number,
  statusMessage: string,
  spec: GitRemoteSpec,
  display: string,
  scrub: Scrub,
): UserError {
  const hasToken = Boolean(spec.credentials?.token);
  const convention = TOKEN_CONVENTIONS[spec.service];
  if (status === 401 || status === 403 || status === 203) {
    if (!hasToken) {
      return scrubbedError(
        scrub,
        `Git repository ${display} needs credentials (HTTP ${status}): no token is configured`,
        `Set credentials.token to a secret reference ({ "env": "GIT_TOKEN" }): ${convention.scopes}.`,
      );
    }
    return scrubbedError(
      scrub,
      `Git repository ${display} refused the token (HTTP ${status}${statusMessage ? ` ${statusMessage}` : ''}). ` +
        `It was sent the ${spec.service} way: ${convention.sends}`,
      `Check the token has not expired or been revoked, that "service" is right for this host, and that it is ${convention.scopes}.`,
    );
  }
  if (status === 404) {
    return scrubbedError(
      scrub,
      `Git repository ${display} not found (HTTP 404)`,
      hasToken
        ? 'Check the URL; hosts also answer 404 for a private repository the token cannot see, so check its access too.'
        : 'Check the URL; a private repository also answers 404 without credentials: set credentials.token.',
    );
  }
  return scrubbedError(
    scrub,
    `Git repository ${display}: the server answered HTTP ${status}${statusMessage ? ` ${statusMessage}` : ''}`,
    status >= 500 ? 'The Git server failed: try again later, or check its status page.' : undefined,
  );
}

/** The error for a branch the remote (or local repository) does not have, listing those it has. */
export function missingBranchError(
  branch: string,
  branches: string[],
  display: string,
  scrub: Scrub,
): UserError {
  if (branches.length === 0) {
    return scrubbedError(
      scrub,
      `Git repository ${display} has no branches yet (it is empty), so branch "${branch}" does not exist`,
      `Push a first commit to "${branch}".`,
    );
  }
  const sorted = [...branches].sort();
  const shown = sorted.length > 30 ? [...sorted.slice(0, 30), `… (${sorted.length} in all)`] : sorted;
  return scrubbedError(
    scrub,
    `Branch "${branch}" does not exist in Git repository ${display}${suggestion(branch, sorted)}`,
    `Branches: ${shown.join(', ')}. Set "branch" to one of them.`,
  );
}
