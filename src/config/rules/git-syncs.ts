/**
 * Git syncs: a dbt version Backflow can read, and a protocol, repository location and credentials that
 * agree with each other.
 */
import { error, type Diagnostic } from '../../diagnostics';
import { repositoryKind } from '../normalise/git-sync';
import { attr, resourcesOf, type RuleContext } from './context';

export const MIN_DBT_VERSION: readonly [number, number] = [1, 7];

export function dbtVersionSupported(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const gs of resourcesOf(ctx, 'git_sync')) {
    const version = attr(gs, 'dbt_version');
    const m = typeof version === 'string' ? /^([0-9]+)\.([0-9]+)$/.exec(version) : null;
    if (m === null) continue; // The schema reports the shape.
    const [major, minor] = [Number(m[1]), Number(m[2])];
    const [minMajor, minMinor] = MIN_DBT_VERSION;
    if (major > minMajor || (major === minMajor && minor >= minMinor)) continue;
    out.push(
      error(
        `${gs.address}: dbt_version "${version}" is not supported; Backflow reads dbt ${minMajor}.${minMinor} or later`,
        {
          ...ctx.at(gs.address, ['dbt_version']),
        },
      ),
    );
  }
  return out;
}

export function gitTransportConsistent(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const gs of resourcesOf(ctx, 'git_sync')) {
    const repository = String(attr(gs, 'repository'));
    const protocol = attr(gs, 'protocol');
    const kind = repositoryKind(repository);
    const credentials = (attr(gs, 'credentials') ?? {}) as Record<string, unknown>;
    const problem = (summary: string, path: string[], detail?: string) =>
      out.push(error(`${gs.address}: ${summary}`, { ...ctx.at(gs.address, path), detail }));
    if (kind === 'local') continue; // Read in place: no transport, no credentials.
    const userinfo = credentialsInUrl(repository);
    if (userinfo !== undefined) {
      // The URL is not repeated: it holds the secret.
      problem(
        `repository URL carries ${userinfo} before the host; a secret must never be written in config`,
        ['repository'],
        'Remove "user:token@" from the URL and pass the token by reference: "credentials": { "token": { "env": "GIT_TOKEN" } } (the username is chosen by "service"). Then revoke the token that was committed.',
      );
      continue;
    }
    if (kind === 'other-url') {
      problem(
        `unsupported repository URL "${repository}"`,
        ['repository'],
        'Use an https:// or ssh URL, or a local path.',
      );
    } else if (kind === 'ssh' && protocol === 'https') {
      problem('repository is an ssh URL but protocol is "https"', ['protocol']);
    } else if (kind !== 'ssh' && protocol === 'ssh') {
      problem(
        `repository is an ${kind} URL but protocol is "ssh"`,
        ['protocol'],
        'Use "git@host:path" or ssh://.',
      );
    }
    if (protocol === 'ssh' && 'token' in credentials) {
      problem('ssh needs credentials.private_key; a token is for https', ['credentials']);
    } else if (protocol === 'https' && 'private_key' in credentials) {
      problem('https needs credentials.token; a private key is for ssh', ['credentials']);
    }
  }
  return out;
}

/**
 * `https://user:token@host/...` or `https://token@host/...`: what the userinfo part holds, for the message
 * (never the value). An ssh URL's user (`git@`, `ssh://git@`) is a login name, not a secret.
 */
function credentialsInUrl(repository: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(repository);
  if (!m || /^ssh:/i.test(repository)) return undefined;
  return m[1].includes(':') ? 'a user name and password or token' : 'a user name or token';
}
