/**
 * Which host an account's API lives on: `access_url` (the full URL dbt Cloud shows under Account settings
 * → Access URLs: `https://cloud.getdbt.com`, `https://emea.dbt.com`, cell URLs such as
 * `https://ab123.us1.dbt.com`), or the older `subdomain` (`https://<subdomain>.getdbt.com`), or by default
 * `https://cloud.getdbt.com`.
 *
 * Real hosts must be https. Plain http is accepted only for loopback hosts (127.0.0.0/8, localhost, [::1]),
 * so a test server on this machine can stand in for dbt Cloud; the key never crosses a network in clear.
 */
import { DbtCloudError } from './dbtcloud-errors';
import type { DbtCloudLinkSettings } from './dbtcloud-types';

export const DEFAULT_ACCESS_URL = 'https://cloud.getdbt.com';

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** What is wrong with an access_url, or undefined when it names a host Backflow can use. */
export function accessUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'it is not a URL; expected the account host, e.g. "https://ab123.us1.dbt.com"';
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return 'it must use https:// (plain http is allowed only for a test server on 127.0.0.1 or localhost)';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'it must be an https:// URL';
  if (url.hostname === '') return 'it has no host name';
  if (url.username !== '' || url.password !== '')
    return 'it must not hold credentials; the key goes in api_key, by secret reference';
  if (url.search !== '' || url.hash !== '' || (url.pathname !== '/' && url.pathname !== ''))
    return `it must be the host only ("${url.origin}"), without a path, query or fragment`;
  return undefined;
}

/** Origin of the account's host, e.g. `https://ab123.us1.dbt.com`. Throws a config-level DbtCloudError. */
export function hostOf(settings: Pick<DbtCloudLinkSettings, 'access_url' | 'subdomain'>): string {
  if (settings.access_url !== undefined) {
    const problem = accessUrlProblem(settings.access_url);
    if (problem !== undefined) {
      throw new DbtCloudError(
        'config',
        `access_url ${JSON.stringify(settings.access_url)} is malformed: ${problem}`,
        'Copy the access URL from dbt Cloud (Account settings → Access URLs).',
        { field: 'access_url' },
      );
    }
    return new URL(settings.access_url).origin;
  }
  if (settings.subdomain !== undefined) {
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(settings.subdomain)) {
      throw new DbtCloudError(
        'config',
        `subdomain ${JSON.stringify(settings.subdomain)} is malformed: expected letters, digits and "-"`,
        'Or give the full access_url instead.',
        { field: 'subdomain' },
      );
    }
    return `https://${settings.subdomain.toLowerCase()}.getdbt.com`;
  }
  return DEFAULT_ACCESS_URL;
}
