/**
 * Which endpoint a Git sync or dbt Cloud link sends its secret to, and when plan may contact it: only
 * where the applied state already sent that same reference (scheme, host and port; access URL origin).
 */
import {
  dbtCloudEndpoint,
  gitSyncEndpoint,
  trustedEndpoints,
  untrustedEndpoint,
} from '../../../src/engine/endpoint-trust';
import type { StateFile } from '../../../src/state/types';

const secret = (env: string): unknown => ({ $sensitive: { ref: { env }, fingerprint: '' } });

function stateWith(
  resources: Record<string, { type: string; attributes: Record<string, unknown> }>,
): StateFile {
  const out: Record<string, unknown> = {};
  for (const [address, r] of Object.entries(resources)) {
    out[address] = { type: r.type, name: address.split('.')[1], attributes: r.attributes, computed: {} };
  }
  return { resources: out } as unknown as StateFile;
}

const https = {
  repository: 'https://github.com/acme/dbt.git',
  protocol: 'https',
  credentials: { token: secret('GIT_TOKEN') },
};
const ssh = {
  repository: 'git@github.com:acme/dbt.git',
  protocol: 'ssh',
  credentials: { private_key: secret('GIT_KEY'), passphrase: secret('GIT_PASSPHRASE') },
};

test('Git endpoints are scheme, host and port; a local repository sends nothing', () => {
  expect(gitSyncEndpoint(https)).toBe('https://github.com:443');
  expect(gitSyncEndpoint({ ...https, repository: 'https://GitHub.com:443/acme/other.git' })).toBe(
    'https://github.com:443',
  );
  expect(gitSyncEndpoint(ssh)).toBe('ssh://github.com:22');
  expect(gitSyncEndpoint({ ...ssh, repository: 'ssh://git@github.com:2222/acme/dbt.git' })).toBe(
    'ssh://github.com:2222',
  );
  expect(
    gitSyncEndpoint({ repository: './dbt', protocol: 'https', credentials: { token: secret('T') } }),
  ).toBeUndefined();
});

test('dbt Cloud endpoints are the access URL origin (subdomain and default included)', () => {
  expect(dbtCloudEndpoint({ access_url: 'https://AB123.us1.dbt.com' })).toBe('https://ab123.us1.dbt.com');
  expect(dbtCloudEndpoint({ subdomain: 'acme' })).toBe('https://acme.getdbt.com');
  expect(dbtCloudEndpoint({})).toBe('https://cloud.getdbt.com');
});

test('another repository on the applied host is trusted; another host, port or scheme is not', () => {
  const trusted = trustedEndpoints(stateWith({ 'git_sync.a': { type: 'git_sync', attributes: https } }));
  expect(
    untrustedEndpoint({ ...https, repository: 'https://github.com/acme/other.git' }, trusted, 'git_sync'),
  ).toBeUndefined();
  for (const repository of [
    'https://github.com.evil.example/acme/dbt.git',
    'https://github.com:8443/acme/dbt.git',
    'http://github.com/acme/dbt.git',
  ]) {
    expect(untrustedEndpoint({ ...https, repository }, trusted, 'git_sync')).toContain('env GIT_TOKEN');
  }
  // The same host with another secret reference is new too: that secret was never sent there.
  expect(
    untrustedEndpoint({ ...https, credentials: { token: secret('OTHER_TOKEN') } }, trusted, 'git_sync'),
  ).toContain('env OTHER_TOKEN');
});

test('SSH: a moved port is untrusted for the key and the passphrase', () => {
  const trusted = trustedEndpoints(stateWith({ 'git_sync.a': { type: 'git_sync', attributes: ssh } }));
  expect(untrustedEndpoint(ssh, trusted, 'git_sync')).toBeUndefined();
  const moved = untrustedEndpoint(
    { ...ssh, repository: 'ssh://git@github.com:2222/acme/dbt.git' },
    trusted,
    'git_sync',
  );
  expect(moved).toContain('env GIT_KEY, env GIT_PASSPHRASE');
});

test('a secret trusted for one kind of endpoint is not trusted for another kind', () => {
  const trusted = trustedEndpoints(
    stateWith({
      'dbt_cloud.main': {
        type: 'dbt_cloud',
        attributes: { access_url: 'https://ab123.us1.dbt.com', api_key: secret('KEY') },
      },
    }),
  );
  expect(
    untrustedEndpoint(
      { access_url: 'https://ab123.us1.dbt.com/', api_key: secret('KEY') },
      trusted,
      'dbt_cloud',
    ),
  ).toBeUndefined();
  expect(untrustedEndpoint({ subdomain: 'ab123', api_key: secret('KEY') }, trusted, 'dbt_cloud')).toContain(
    'env KEY',
  );
  expect(
    untrustedEndpoint(
      {
        repository: 'https://ab123.us1.dbt.com/x.git',
        protocol: 'https',
        credentials: { token: secret('KEY') },
      },
      trusted,
      'git_sync',
    ),
  ).toContain('env KEY');
});
