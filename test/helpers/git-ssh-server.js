'use strict';
/**
 * A real OpenSSH server for the Git adapter's SSH tests: Debian's `sshd` on a free loopback port, with
 * throw-away host keys, its own config file, and an `AuthorizedKeysFile` holding the test keys. It runs
 * as the current user (root in CI), in the foreground (`-D -e`), with no PAM and `StrictModes no`, so it
 * needs no system configuration; repositories are served by the system's `git-upload-pack`, reached by
 * absolute path (`ssh://USER@127.0.0.1:PORT/abs/path/repo.git`).
 *
 *   const sshd = findSshd();                      // absolute path, or undefined (see ensureSshd)
 *   const server = await startSshServer({ sshd, authorizedKeys: [key.publicKey] });
 *   server.knownHosts('ssh-ed25519')              // "[127.0.0.1]:PORT ssh-ed25519 AAAA..."
 *   await server.stop();
 *
 * `ensureSshd()` locates sshd and, when it is missing and this process may install packages (root with
 * apt-get), installs `openssh-server` once; it returns { sshd } or { reason } so a suite can skip loudly.
 * CI installs it beforehand (.ci/run); the install here is for a fresh root container running `npm test`.
 */
const { execFile, execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { setTimeout, clearTimeout } = require('node:timers');

const CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd', '/usr/bin/sshd'];

/** Absolute path of sshd (sshd refuses to start from a relative path), or undefined. */
function findSshd() {
  if (process.env.BACKFLOW_TEST_SSHD) return process.env.BACKFLOW_TEST_SSHD;
  for (const c of CANDIDATES) if (fs.existsSync(c)) return c;
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const c = path.join(dir, 'sshd');
    if (dir && path.isAbsolute(c) && fs.existsSync(c)) return c;
  }
  return undefined;
}

function hasCommand(name) {
  return (process.env.PATH || '')
    .split(path.delimiter)
    .some((dir) => dir && fs.existsSync(path.join(dir, name)));
}

/**
 * sshd's path, installing Debian's openssh-server first when it is missing and we are root with apt-get
 * (set BACKFLOW_TEST_NO_INSTALL=1 to forbid that). Synchronous on purpose: call it when a test file loads,
 * before any server runs in this process.
 */
function ensureSshd() {
  const found = findSshd();
  if (found) return { sshd: found };
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.env.BACKFLOW_TEST_NO_INSTALL)
    return { reason: 'sshd not found and BACKFLOW_TEST_NO_INSTALL is set' };
  if (!root || !hasCommand('apt-get'))
    return {
      reason: `sshd not found (looked in ${CANDIDATES.join(', ')} and PATH) and it cannot be installed here (${
        root ? 'no apt-get' : 'not root'
      }): install openssh-server`,
    };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { env, stdio: 'pipe', timeout: 300_000 };
  try {
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'openssh-server'], opts);
    } catch {
      execFileSync('apt-get', ['update', '-qq'], opts);
      execFileSync('apt-get', ['install', '-y', '-qq', 'openssh-server'], opts);
    }
  } catch (err) {
    const stderr = err && err.stderr ? String(err.stderr).slice(-500) : String(err);
    return { reason: `sshd not found and \`apt-get install openssh-server\` failed: ${stderr}` };
  }
  const installed = findSshd();
  return installed ? { sshd: installed } : { reason: 'openssh-server installed but sshd still not found' };
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** A folder only this user can read (keys live there). */
function privateTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o700);
  return dir;
}

/**
 * Generates a key pair with ssh-keygen. `type`: ed25519 (default) | rsa | ecdsa; `format`: openssh
 * (default) | pem; `passphrase` (default none). Resolves { privateKey, publicKey, fingerprint, path }.
 */
async function generateKey(dir, name, { type = 'ed25519', format = 'openssh', passphrase = '' } = {}) {
  const file = path.join(dir, name);
  const args = ['-q', '-t', type, '-N', passphrase, '-C', `${name}@backflow-test`, '-f', file];
  if (type === 'rsa') args.push('-b', '2048');
  if (format === 'pem') args.push('-m', 'PEM');
  await run('ssh-keygen', args);
  const fingerprint = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`])).split(' ')[1];
  return {
    path: file,
    privateKey: fs.readFileSync(file, 'utf8'),
    publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim(),
    fingerprint,
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function sshdConfig({ dir, port, user, hostKeys }) {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    ...hostKeys.map((k) => `HostKey ${k.path}`),
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    `AllowUsers ${user}`,
    'StrictModes no',
    'UsePAM no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'PrintMotd no',
    'PrintLastLog no',
    'UseDNS no',
    'X11Forwarding no',
    'MaxStartups 100',
    'MaxSessions 100',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

function launch(sshd, config) {
  return new Promise((resolve, reject) => {
    const child = spawn(sshd, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sshd did not start within 10 s:\n${log}`));
    }, 10_000);
    child.stderr.on('data', (d) => {
      log += d.toString('utf8');
      if (!ready && /Server listening on/.test(log)) {
        ready = true;
        clearTimeout(timer);
        resolve({ child, log: () => log });
      }
    });
    child.on('exit', (code, signal) => {
      if (ready) return;
      clearTimeout(timer);
      reject(Object.assign(new Error(`sshd exited (${code ?? signal}) before listening:\n${log}`), { log }));
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * Starts sshd. Options: `sshd` (path, default findSshd()), `authorizedKeys` (public key lines).
 * Resolves { port, user, host, hostKeys: [{ type, publicKey, fingerprint }], knownHosts(type?), url(path),
 * log(), stop() }.
 */
async function startSshServer({ sshd = findSshd(), authorizedKeys = [] } = {}) {
  if (!sshd) throw new Error('sshd not found: install openssh-server');
  const dir = privateTempDir('backflow-sshd-');
  const hostKeys = [
    { type: 'ssh-ed25519', ...(await generateKey(dir, 'host_ed25519', { type: 'ed25519' })) },
    { type: 'ecdsa-sha2-nistp256', ...(await generateKey(dir, 'host_ecdsa', { type: 'ecdsa' })) },
  ];
  fs.writeFileSync(path.join(dir, 'authorized_keys'), authorizedKeys.join('\n') + '\n', { mode: 0o600 });
  if (process.getuid && process.getuid() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const user = os.userInfo().username;

  let started;
  let port;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    const config = path.join(dir, 'sshd_config');
    fs.writeFileSync(config, sshdConfig({ dir, port, user, hostKeys }));
    try {
      started = await launch(sshd, config);
      break;
    } catch (err) {
      // Another process took the port between freePort() and bind: try another one.
      if (attempt < 3 && /Address already in use|Cannot bind/.test(String(err.log || err.message))) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  const { child, log } = started;
  return {
    host: '127.0.0.1',
    port,
    user,
    dir,
    hostKeys: hostKeys.map((k) => ({ type: k.type, publicKey: k.publicKey, fingerprint: k.fingerprint })),
    /** A known_hosts line for this server's key of `type` (default ssh-ed25519). */
    knownHosts(type = 'ssh-ed25519') {
      const key = hostKeys.find((k) => k.type === type);
      if (!key) throw new Error(`no host key of type ${type}`);
      return `[127.0.0.1]:${port} ${key.publicKey.split(' ').slice(0, 2).join(' ')}`;
    },
    /** ssh:// URL of a repository at an absolute path. */
    url(repoPath) {
      return `ssh://${user}@127.0.0.1:${port}${repoPath}`;
    },
    log,
    stop() {
      return new Promise((resolve) => {
        const done = () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
      });
    },
  };
}

module.exports = { findSshd, ensureSshd, generateKey, startSshServer, privateTempDir };
