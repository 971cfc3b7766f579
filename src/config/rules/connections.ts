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
