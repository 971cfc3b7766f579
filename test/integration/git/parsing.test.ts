/**
 * The Git adapter's pure parts: where a repository string points, known_hosts matching, the thin-pack
 * request rewrite, and the classification of failures no loopback test can provoke (DNS, TLS).
 */
import { createHmac } from 'node:crypto';
import { UserError } from '../../../src/errors';
import { cacheKey, locate } from '../../../src/adapters/git/git-location';
import {
  checkHostKey,
  fingerprintSha256,
  knownHostsName,
  parseKnownHosts,
  preferredHostKeyAlgorithms,
} from '../../../src/adapters/git/git-known-hosts';
import { advertisedCapabilities, requestThinPack } from '../../../src/adapters/git/git-smart-session';
import { remoteUserError } from '../../../src/adapters/git/git-errors';
import { scrubberFor } from '../../../src/adapters/git/git-secrets';
import type { GitRemoteSpec } from '../../../src/adapters/git';

const base: GitRemoteSpec = {
  repository: '',
  protocol: 'ssh',
  service: 'github',
  branch: 'main',
  configDir: '/work/cfg',
};

describe('locate', () => {
  test.each([
    [
      'git@github.com:acme/dbt.git',
      { kind: 'ssh', user: 'git', host: 'github.com', port: 22, path: 'acme/dbt.git' },
    ],
    [
      'github.com:acme/dbt.git',
      { kind: 'ssh', user: 'git', host: 'github.com', port: 22, path: 'acme/dbt.git' },
    ],
    [
      'ssh://deploy@git.acme.io:2222/srv/dbt.git',
      { kind: 'ssh', user: 'deploy', host: 'git.acme.io', port: 2222, path: '/srv/dbt.git' },
    ],
    ['ssh://git@host/~alice/dbt.git', { kind: 'ssh', host: 'host', path: '~alice/dbt.git' }],
    ['git+ssh://git@[::1]:2200/r.git', { kind: 'ssh', host: '::1', port: 2200, path: '/r.git' }],
  ])('%s is SSH', (repository, expected) => {
    expect(locate({ ...base, repository })).toMatchObject(expected);
  });

  test('https URLs lose a bare username (Bitbucket and Azure clone URLs carry one)', () => {
    const loc = locate({
      ...base,
      protocol: 'https',
      repository: 'https://alice@dev.azure.com/acme/proj/_git/dbt/',
    });
    expect(loc).toEqual({
      kind: 'https',
      url: 'https://dev.azure.com/acme/proj/_git/dbt',
      host: 'dev.azure.com',
      plain: false,
      display: 'https://dev.azure.com/acme/proj/_git/dbt',
    });
  });

  test('local paths: relative to the config folder, absolute, file://', () => {
    expect(locate({ ...base, repository: './dbt' })).toMatchObject({ kind: 'local', path: '/work/cfg/dbt' });
    expect(locate({ ...base, repository: '../dbt' })).toMatchObject({ kind: 'local', path: '/work/dbt' });
    expect(locate({ ...base, repository: '/srv/dbt' })).toMatchObject({ kind: 'local', path: '/srv/dbt' });
    expect(locate({ ...base, repository: 'file:///srv/dbt' })).toMatchObject({
      kind: 'local',
      path: '/srv/dbt',
    });
    expect(locate({ ...base, repository: 'dbt' })).toMatchObject({ kind: 'local', path: '/work/cfg/dbt' });
  });

  test('bad repository strings are UserErrors', () => {
    expect(() => locate({ ...base, repository: '  ' })).toThrow('git_sync repository is empty');
    expect(() => locate({ ...base, repository: 'ftp://host/x.git' })).toThrow('unsupported URL scheme');
    expect(() => locate({ ...base, protocol: 'ssh', repository: 'https://github.com/a/b.git' })).toThrow(
      'is an HTTPS URL but protocol is "ssh"',
    );
  });

  test('cache keys differ by URL and branch, and hold no credentials', () => {
    const a = locate({ ...base, protocol: 'https', repository: 'https://github.com/acme/dbt.git' });
    const b = locate({ ...base, protocol: 'https', repository: 'https://user@github.com/acme/dbt.git' });
    if (a.kind === 'local' || b.kind === 'local') throw new Error('remote expected');
    expect(cacheKey(a, 'main')).toBe(cacheKey(b, 'main'));
    expect(cacheKey(a, 'main')).not.toBe(cacheKey(a, 'dev'));
    expect(cacheKey(a, 'main')).toMatch(/^github\.com-acme-dbt\.git-[0-9a-f]{16}\.git$/);
  });
});

describe('known_hosts', () => {
  const blob = (type: string, fill: number) => {
    const t = Buffer.from(type);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(t.length);
    return Buffer.concat([len, t, Buffer.alloc(32, fill)]);
  };
  const ed = blob('ssh-ed25519', 1);
  const ed2 = blob('ssh-ed25519', 2);
  const ec = blob('ecdsa-sha2-nistp256', 3);
  const line = (host: string, b: Buffer) =>
    `${host} ${b.subarray(4, 4 + b.readUInt32BE(0)).toString()} ${b.toString('base64')}`;

  test('plain, port, wildcard, negated and hashed names; bare key lines', () => {
    const salt = Buffer.alloc(20, 7);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[git.acme.io]:2222').digest('base64')}`;
    const known = parseKnownHosts(
      [
        '# comment',
        line('github.com,140.82.112.3', ed),
        line('*.corp.example,!bad.corp.example', ed),
        line(hashed, ec),
        'garbage line',
        `@cert-authority *.example ${line('', ed).trim()}`,
      ].join('\n'),
    );
    expect(known.invalidLines).toEqual([5]);
    expect(known.hasCertAuthorities).toBe(true);
    expect(checkHostKey(known, 'github.com', ed)).toEqual({ status: 'trusted' });
    expect(checkHostKey(known, 'GitHub.com', ed)).toEqual({ status: 'trusted' });
    expect(checkHostKey(known, 'git.corp.example', ed)).toEqual({ status: 'trusted' });
    expect(checkHostKey(known, 'bad.corp.example', ed).status).toBe('unknown');
    expect(checkHostKey(known, knownHostsName('git.acme.io', 2222), ec)).toEqual({ status: 'trusted' });
    expect(checkHostKey(known, 'git.acme.io', ec).status).toBe('unknown'); // port 22 is another name
    expect(checkHostKey(known, 'github.com', ed2)).toMatchObject({
      status: 'changed',
      fingerprint: fingerprintSha256(ed2),
    });
    expect(checkHostKey(parseKnownHosts(line('', ed).trim()), 'anything', ed)).toEqual({ status: 'trusted' });
  });

  test('revoked keys are refused even when also pinned', () => {
    const known = parseKnownHosts(`${line('github.com', ed)}\n@revoked ${line('*', ed)}`);
    expect(checkHostKey(known, 'github.com', ed).status).toBe('revoked');
  });

  test('pinned key types are asked for first', () => {
    const known = parseKnownHosts(`${line('[h]:2200', ec)}\n${line('other', ed)}`);
    expect(preferredHostKeyAlgorithms(known, '[h]:2200')).toEqual(['ecdsa-sha2-nistp256']);
    const rsa = blob('ssh-rsa', 4);
    expect(preferredHostKeyAlgorithms(parseKnownHosts(line('h', rsa)), 'h')).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
  });

  test('fingerprints are OpenSSH SHA256 fingerprints', () => {
    expect(fingerprintSha256(ed)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe('thin packs', () => {
  const pkt = (s: string) => (s.length + 4).toString(16).padStart(4, '0') + s;
  const want = pkt(
    'want 1111111111111111111111111111111111111111 multi_ack_detailed side-band-64k ofs-delta\n',
  );

  test('added to a request with haves, not to a first clone', () => {
    const incremental = Buffer.from(
      want +
        pkt('deepen 1\n') +
        '0000' +
        pkt('have 2222222222222222222222222222222222222222\n') +
        pkt('done\n'),
    );
    const out = requestThinPack(incremental).toString();
    expect(
      out.startsWith(
        pkt(
          'want 1111111111111111111111111111111111111111 multi_ack_detailed side-band-64k ofs-delta thin-pack\n',
        ),
      ),
    ).toBe(true);
    expect(
      out.endsWith('0000' + pkt('have 2222222222222222222222222222222222222222\n') + pkt('done\n')),
    ).toBe(true);
    const clone = Buffer.from(want + pkt('deepen 1\n') + '0000' + pkt('done\n'));
    expect(requestThinPack(clone)).toEqual(clone);
  });

  test('capabilities are read from the advertisement', () => {
    const adv = Buffer.from(
      pkt('# service=git-upload-pack\n') +
        '0000' +
        pkt('1111111111111111111111111111111111111111 HEAD\0multi_ack thin-pack side-band\n') +
        '0000',
    );
    expect(advertisedCapabilities(adv)).toEqual(['multi_ack', 'thin-pack', 'side-band']);
  });
});

describe('failures no loopback test can provoke', () => {
  const spec: GitRemoteSpec = { ...base, protocol: 'https', credentials: { token: 'tok_secret_123456' } };
  const scrub = scrubberFor(spec.credentials);

  test('DNS and TLS failures', () => {
    const dns = remoteUserError(
      Object.assign(new Error('getaddrinfo ENOTFOUND git.acme.io'), { code: 'ENOTFOUND' }),
      spec,
      'https://git.acme.io/x.git',
      scrub,
    );
    expect(dns).toBeInstanceOf(UserError);
    expect(dns?.message).toBe(
      'Cannot reach the Git repository https://git.acme.io/x.git: host not found (ENOTFOUND)',
    );
    const tls = remoteUserError(
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      spec,
      'https://h/x.git',
      scrub,
    );
    expect(tls?.hint).toContain('NODE_EXTRA_CA_CERTS');
  });

  test('Azure DevOps answers 203 with a sign-in page to a refused token', () => {
    const err = remoteUserError(
      { code: 'HttpError', data: { statusCode: 203, statusMessage: 'Non-Authoritative Information' } },
      { ...spec, service: 'azure_devops' },
      'https://dev.azure.com/a/p/_git/r',
      scrub,
    );
    expect(err?.message).toContain('refused the token (HTTP 203');
    expect(err?.hint).toContain('Code (Read)');
  });

  test('the scrubber hides tokens, PEM lines and Basic credentials', () => {
    const s = scrubberFor({
      token: 'tok_secret_123456',
      private_key: '-----BEGIN KEY-----\nAAAABBBBCCCCDDDDEEEE\n-----END KEY-----\n',
    });
    expect(s('token tok_secret_123456 and AAAABBBBCCCCDDDDEEEE and Authorization: Basic eDp5')).toBe(
      'token *** and *** and Authorization: Basic ***',
    );
  });

  test('unknown errors are not dressed up as user errors', () => {
    expect(remoteUserError(new TypeError('boom'), spec, 'x', scrub)).toBeUndefined();
  });
});
