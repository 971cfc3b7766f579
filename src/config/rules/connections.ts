/**
 * Connection settings the schema cannot express: dbt Cloud's two ways of naming a host, and Snowflake
 * authentication (key pair first; password-only sign-in is being retired by Snowflake).
 */
import { error, warning, type Diagnostic } from '../../diagnostics';
import { attr, resourcesOf, type RuleContext } from './context';

export function dbtCloudHostGivenOnce(ctx: RuleContext): Diagnostic[] {
  return resourcesOf(ctx, 'dbt_cloud')
    .filter((d) => attr(d, 'access_url') !== undefined && attr(d, 'subdomain') !== undefined)
    .map((d) =>
      error(`${d.address}: give access_url or subdomain, not both`, {
        ...ctx.at(d.address, ['subdomain']),
        detail:
          'access_url is the full account URL (e.g. "https://ab123.us1.dbt.com"); subdomain is the older form.',
      }),
    );
}

/**
 * access_url names the account's host: no path (people paste `https://cloud.getdbt.com/deploy/1/...`), no
 * query, no credentials. The schema already requires https (http only for a loopback test server).
 */
export function dbtCloudAccessUrlWellFormed(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of resourcesOf(ctx, 'dbt_cloud')) {
    const text = attr(d, 'access_url');
    if (typeof text !== 'string') continue;
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      continue; // the schema's "uri" format reports it
    }
    let problem: string | undefined;
    if (url.username !== '' || url.password !== '')
      problem = 'must not hold credentials; the key goes in api_key, by secret reference';
    else if (url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== ''))
      problem = `must be the host only, without a path, query or fragment: "${url.origin}"`;
    if (problem === undefined) continue;
    out.push(
      error(`${d.address}: access_url ${problem}`, {
        ...ctx.at(d.address, ['access_url']),
        detail:
          'access_url is the host dbt Cloud serves the account from (Account settings → Access URLs), e.g. "https://ab123.us1.dbt.com".',
      }),
    );
  }
  return out;
}

export function snowflakeAuthentication(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const source of resourcesOf(ctx, 'source')) {
    if (attr(source, 'warehouse') !== 'snowflake') continue;
    const key = attr(source, 'settings', 'private_key') !== undefined;
    const password = attr(source, 'settings', 'password') !== undefined;
    if (!key && !password) {
      out.push(
        error(`${source.address}: snowflake needs settings.private_key`, {
          ...ctx.at(source.address, ['settings']),
          detail: 'Key-pair authentication: { "private_key": { "file": "rsa_key.p8" } }.',
        }),
      );
    } else if (!key) {
      out.push(
        warning(
          `${source.address}: settings.password is deprecated; Snowflake is retiring password-only sign-in`,
          {
            ...ctx.at(source.address, ['settings', 'password']),
            detail: 'Switch to key-pair authentication with settings.private_key.',
          },
        ),
      );
    }
    if (!key && attr(source, 'settings', 'private_key_passphrase') !== undefined) {
      out.push(
        error(`${source.address}: settings.private_key_passphrase needs settings.private_key`, {
          ...ctx.at(source.address, ['settings', 'private_key_passphrase']),
        }),
      );
    }
  }
  return out;
}
