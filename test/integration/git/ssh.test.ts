/**
 * The Git adapter over real SSH: Debian's OpenSSH server on a loopback port (throw-away host keys, an
 * authorized test key), serving repositories with the system's git-upload-pack.
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  headCommit,
  syncRepository,
  type GitCredentials,
  type GitRemoteSpec,
} from '../../../src/adapters/git';
import { createServedRepo, type ServedRepo } from '../../helpers/git-repo';
import {
  ensureSshd,
  generateKey,
  privateTempDir,
  startSshServer,
  type SshServer,
  type TestKey,
} from '../../helpers/git-ssh-server';
import { freePort } from '../../helpers/postgres-server';
import {
  PROJECT,
  captureOutput,
  expectNoSecrets,
  removeTempDirs,
  seenMessages,
  tempDir,
  userErrorOf,
} from './git-fixture';

// Located (and installed when missing and possible) as the file loads, before any server runs here.
const sshd = ensureSshd();
if (!sshd.sshd) {
  const bar = '!'.repeat(100);
  console.warn(`${bar}\nSKIPPING the Git SSH tests: ${sshd.reason}\n${bar}`);
}
const describeSsh = sshd.sshd ? describe : describe.skip;

const PASSPHRASE = 'correct horse battery staple 7731';

describeSsh('Git over SSH', () => {
  let keysDir: string;
  let ed25519: TestKey;
  let rsaPem: TestKey;
  let stranger: TestKey;
  let ed25519Encrypted: TestKey;
  let server: SshServer;
  let root: string;
  let repo: ServedRepo;

  function spec(credentials: GitCredentials, over: Partial<GitRemoteSpec> = {}): GitRemoteSpec {
    return {
      repository: server.url(repo.bare),
      protocol: 'ssh',
      service: 'generic',
      branch: 'main',
      configDir: root,
      credentials,
      ...over,
    };
  }

  let output: ReturnType<typeof captureOutput>;

  beforeAll(async () => {
    output = captureOutput();
    keysDir = privateTempDir('backflow-git-keys-');
    [ed25519, rsaPem, stranger, ed25519Encrypted] = await Promise.all([
      generateKey(keysDir, 'id_ed25519', { type: 'ed25519' }),
      generateKey(keysDir, 'id_rsa_pem', { type: 'rsa', format: 'pem', passphrase: PASSPHRASE }),
      generateKey(keysDir, 'id_stranger', { type: 'ed25519' }),
      generateKey(keysDir, 'id_ed25519_enc', { type: 'ed25519', passphrase: PASSPHRASE }),
    ]);
    expect(rsaPem.privateKey).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED/);
    expect(ed25519Encrypted.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/);
    server = await startSshServer({
      sshd: sshd.sshd,
      authorizedKeys: [ed25519.publicKey, rsaPem.publicKey, ed25519Encrypted.publicKey],
    });
    root = tempDir('ssh-root');
    repo = await createServedRepo({ root, name: 'shop.git', files: PROJECT, branches: ['release'] });
  });

  afterAll(async () => {
    await server?.stop();
    repo?.remove();
    rmSync(keysDir, { recursive: true, force: true });
    output?.restore();
    expectNoSecrets(
      [...seenMessages, ...output.chunks],
      [ed25519.privateKey, rsaPem.privateKey, stranger.privateKey, ed25519Encrypted.privateKey, PASSPHRASE],
    );
    removeTempDirs();
  });

  test('clones with an OpenSSH ed25519 key and a pinned host key, then fetches incrementally', async () => {
    const cacheDir = tempDir('cache');
    const creds = { private_key: ed25519.privateKey, known_hosts: server.knownHosts('ssh-ed25519') };
    const first = await syncRepository(spec(creds), { cacheDir });
    expect(first.kind).toBe('clone');
    expect(first.commit).toBe(repo.first);
    expect(await first.files.list()).toEqual(Object.keys(PROJECT).sort());
    expect(await first.files.read('models/staging/stg_orders.sql')).toBe(
      PROJECT['models/staging/stg_orders.sql'],
    );

    const sha = await repo.commit({ 'models/staging/stg_orders.sql': 'select 2\n' }, 'ssh change');
    const second = await syncRepository(spec(creds), { cacheDir });
    expect(second).toMatchObject({ kind: 'fetch', commit: sha, stats: { objectsFetched: 5 } });
    expect(await second.files.read('models/staging/stg_orders.sql')).toBe('select 2\n');
    expect(await headCommit(spec(creds))).toBe(sha);
    expect(await headCommit(spec(creds, { branch: 'release' }))).toBe(repo.first);
  });

  test('clones with a PEM RSA key and its passphrase, the ECDSA host key pinned (hashed name)', async () => {
    // The server has ed25519 and ECDSA host keys; only ECDSA is pinned, so it must be the one negotiated.
    const hashed = hashKnownHostsLine(server.knownHosts('ecdsa-sha2-nistp256'));
    const checkout = await syncRepository(
      spec({ private_key: rsaPem.privateKey, passphrase: PASSPHRASE, known_hosts: `# pinned\n${hashed}\n` }),
      { cacheDir: tempDir('cache') },
    );
    expect(checkout.kind).toBe('clone');
    expect(await checkout.files.read('dbt_project.yml')).toBe(PROJECT['dbt_project.yml']);
  });

  test('an OpenSSH key encrypted with a passphrase', async () => {
    const creds = {
      private_key: ed25519Encrypted.privateKey,
      passphrase: PASSPHRASE,
      known_hosts: server.knownHosts(),
    };
    expect(await headCommit(spec(creds))).toMatch(/^[0-9a-f]{40}$/);
  });

  test('an unknown host key is refused, showing the fingerprint seen and the line that pins it', async () => {
    const hostKey = server.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
    const err = await userErrorOf(headCommit(spec({ private_key: ed25519.privateKey })));
    expect(err.message).toContain(
      `host key verification failed: the ssh-ed25519 key of [127.0.0.1]:${server.port} (${hostKey.fingerprint})`,
    );
    expect(err.hint).toContain(server.knownHosts('ssh-ed25519'));

    const other = await userErrorOf(
      headCommit(
        spec({
          private_key: ed25519.privateKey,
          known_hosts: 'github.com ' + stranger.publicKey.split(' ').slice(0, 2).join(' '),
        }),
      ),
    );
    expect(other.message).toContain(`(${hostKey.fingerprint}) is not in credentials.known_hosts`);

    // insecure_ignore_host_key accepts it.
    expect(
      await headCommit(spec({ private_key: ed25519.privateKey, insecure_ignore_host_key: true })),
    ).toMatch(/^[0-9a-f]{40}$/);
  });

  test('a changed host key (same type, other key pinned for this host) is refused as a possible interception', async () => {
    const wrongPin = `[127.0.0.1]:${server.port} ${stranger.publicKey.split(' ').slice(0, 2).join(' ')}`;
    const err = await userErrorOf(
      headCommit(spec({ private_key: ed25519.privateKey, known_hosts: wrongPin })),
    );
    expect(err.message).toContain(
      'not the key pinned in credentials.known_hosts: someone may be intercepting the connection',
    );
  });

  test('a key the server does not accept: authentication failed, naming the key by its public fingerprint', async () => {
    const err = await userErrorOf(
      syncRepository(spec({ private_key: stranger.privateKey, known_hosts: server.knownHosts() }), {
        cacheDir: tempDir('cache'),
      }),
    );
    expect(err.message).toContain(
      `SSH authentication failed: 127.0.0.1:${server.port} refused the private key (ssh-ed25519 ${stranger.fingerprint}) for user "${server.user}"`,
    );
    expect(err.hint).toContain('deploy key');
  });

  test('an encrypted key without its passphrase, or with a wrong one', async () => {
    const known_hosts = server.knownHosts();
    const missing = await userErrorOf(headCommit(spec({ private_key: rsaPem.privateKey, known_hosts })));
    expect(missing.message).toContain('the private key is encrypted and no passphrase is configured');
    const wrong = await userErrorOf(
      headCommit(spec({ private_key: rsaPem.privateKey, passphrase: 'not it', known_hosts })),
    );
    expect(wrong.message).toContain('cannot decrypt the private key: the passphrase is wrong');
    const pub = await userErrorOf(headCommit(spec({ private_key: ed25519.publicKey, known_hosts })));
    expect(pub.message).toContain('credentials.private_key holds a public key, not a private key');
  });

  test('a missing branch lists the branches; a missing repository path says so', async () => {
    const creds = { private_key: ed25519.privateKey, known_hosts: server.knownHosts() };
    const branch = await userErrorOf(
      syncRepository(spec(creds, { branch: 'prod' }), { cacheDir: tempDir('cache') }),
    );
    expect(branch.message).toContain('Branch "prod" does not exist in Git repository ssh://');
    expect(branch.hint).toBe('Branches: main, release. Set "branch" to one of them.');

    const missing = await userErrorOf(
      headCommit(spec(creds, { repository: server.url('/nonexistent/repo.git') })),
    );
    expect(missing.message).toContain(
      `Git repository ${server.url('/nonexistent/repo.git')} not found on ${server.user}@127.0.0.1:${server.port}`,
    );
    expect(missing.message).toContain('does not appear to be a git repository');
  });

  test('an unreachable SSH server: connection refused', async () => {
    const port = await freePort();
    const err = await userErrorOf(
      headCommit(
        spec(
          { private_key: ed25519.privateKey, known_hosts: server.knownHosts() },
          { repository: `ssh://git@127.0.0.1:${port}/x.git` },
        ),
      ),
    );
    expect(err.message).toBe(
      `Cannot reach the Git repository ssh://git@127.0.0.1:${port}/x.git: connection refused (ECONNREFUSED) at 127.0.0.1:${port}`,
    );
  });

  test('the private key never touches the disk: not in the cache, not in temp files', async () => {
    const cacheDir = tempDir('cache');
    await syncRepository(spec({ private_key: ed25519.privateKey, known_hosts: server.knownHosts() }), {
      cacheDir,
    });
    // A line of the private part (the first lines of every unencrypted OpenSSH key are alike).
    const marker = ed25519.privateKey.split('\n')[3];
    expect(marker.length).toBeGreaterThan(40);
    const leaks = [...filesUnder(cacheDir), ...filesUnder(tmpdir(), 2)].filter(
      (f) => !f.startsWith(keysDir) && contains(f, marker),
    );
    expect(leaks).toEqual([]);
  });
});

/** A known_hosts line with its host name hashed, as `ssh-keygen -H` writes it. */
function hashKnownHostsLine(line: string): string {
  const { createHmac, randomBytes } = require('node:crypto') as typeof import('node:crypto');
  const [name, ...key] = line.split(' ');
  const salt = randomBytes(20);
  const hash = createHmac('sha1', salt).update(name).digest();
  return `|1|${salt.toString('base64')}|${hash.toString('base64')} ${key.join(' ')}`;
}

function contains(file: string, text: string): boolean {
  try {
    return statSync(file).size < 1_000_000 && readFileSync(file, 'latin1').includes(text);
  } catch {
    return false; // removed meanwhile by another process
  }
}

function filesUnder(dir: string, depth = 20): string[] {
  const out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && depth > 0) out.push(...filesUnder(p, depth - 1));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
