'use strict';
/**
 * A real Git smart-HTTP server for tests and benchmarks: `git http-backend` (the CGI program that ships
 * with git) behind a small Node http server on 127.0.0.1, serving every bare repository under `root`.
 * Plain CommonJS so the TypeScript tests and the plain-JS benchmarks share it.
 *
 *   const server = await startGitHttpServer({ root, auth: { username: 'x-access-token', password: 't0k' } });
 *   server.url('dbt.git')   // http://127.0.0.1:PORT/dbt.git
 *   server.requests         // [{ method, path, status, user, bytes, ms }] of every request served
 *   server.cutNextPack(4096) // the next pack response stops after 4096 bytes (a server dying mid-transfer)
 *   await server.stop();
 *
 * With `auth`, every request must carry that Basic username/password pair (or, with `username: '*'`, any
 * username and that password): anything else gets 401 with a `WWW-Authenticate` challenge, as hosted
 * services answer. The CGI child is spawned asynchronously: a synchronous child process in the process
 * that serves the requests would deadlock against the client in the same process.
 */
const { Buffer } = require('node:buffer');
const { spawn } = require('node:child_process');
const http = require('node:http');
const { URL } = require('node:url');

function unauthorized(res) {
  res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test git server"', 'Content-Type': 'text/plain' });
  res.end('Authentication required\n');
}

/** The Basic credentials of a request, or undefined. */
function basicCredentials(req) {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !/^Basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { username: decoded, password: '' };
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function allowed(auth, creds) {
  if (!auth) return true;
  if (!creds) return false;
  return (auth.username === '*' || creds.username === auth.username) && creds.password === auth.password;
}

/** Splits CGI output into its header block and the rest; undefined while the headers are incomplete. */
function splitCgiHeaders(buffer) {
  for (let i = 0; i < buffer.length - 1; i++) {
    if (buffer[i] === 0x0a && buffer[i + 1] === 0x0a) return [buffer.subarray(0, i), buffer.subarray(i + 2)];
    if (buffer[i] === 0x0d && buffer[i + 1] === 0x0a && buffer[i + 2] === 0x0d && buffer[i + 3] === 0x0a)
      return [buffer.subarray(0, i), buffer.subarray(i + 4)];
  }
  return undefined;
}

function serveCgi(root, req, res, user, record, cut) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const env = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REQUEST_METHOD: req.method,
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] || '',
    REMOTE_ADDR: req.socket.remoteAddress || '127.0.0.1',
    REMOTE_USER: user || '',
    SERVER_PROTOCOL: 'HTTP/1.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    // No global or user config of the machine running the tests leaks in.
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: root,
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol']) env.HTTP_GIT_PROTOCOL = req.headers['git-protocol'];

  const started = process.hrtime.bigint();
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let head = Buffer.alloc(0);
  let headersSent = false;
  let stderr = '';
  let bytes = 0;
  child.stderr.on('data', (d) => (stderr += d.toString('utf8')));
  // A server dying mid-transfer: after `cut.after` body bytes the connection is destroyed.
  const send = (chunk) => {
    if (cut && bytes + chunk.length > cut.after) {
      const part = chunk.subarray(0, Math.max(0, cut.after - bytes));
      bytes += part.length;
      record.cut = true;
      if (cut.end) res.end(part);
      else res.write(part, () => req.socket.destroy());
      child.kill('SIGKILL');
      return;
    }
    bytes += chunk.length;
    res.write(chunk);
  };
  child.stdout.on('data', (chunk) => {
    if (record.cut) return;
    if (headersSent) {
      send(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const split = splitCgiHeaders(head);
    if (!split) return;
    const [block, rest] = split;
    let status = 200;
    const headers = {};
    for (const line of block.toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    record.status = status;
    headersSent = true;
    if (rest.length > 0) send(rest);
  });
  child.on('error', (err) => {
    if (!headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
    res.end(`git http-backend failed to start: ${err.message}\n`);
  });
  child.on('close', (code) => {
    record.bytes = bytes;
    if (record.cut) return;
    record.ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (!headersSent) {
      record.status = 500;
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`git http-backend exited ${code}: ${stderr}\n`);
      return;
    }
    res.end();
  });
  req.pipe(child.stdin);
  child.stdin.on('error', () => {}); // the CGI may exit before reading a body it does not need
}

/**
 * Starts the server. Options: `root` (folder of bare repositories, required), `auth` ({ username,
 * password }, optional), `port` (default 0: any free port).
 */
async function startGitHttpServer(options) {
  const root = options.root;
  let auth = options.auth;
  let cutNext;
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const creds = basicCredentials(req);
    const record = { method: req.method, path: req.url, status: 0, user: creds ? creds.username : undefined };
    requests.push(record);
    if (!allowed(auth, creds)) {
      record.status = 401;
      unauthorized(res);
      req.resume();
      return;
    }
    let cut;
    if (cutNext && req.method === 'POST' && /git-upload-pack$/.test(req.url)) {
      cut = cutNext;
      cutNext = undefined;
    }
    serveCgi(root, req, res, creds && creds.username, record, cut);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port || 0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    port,
    root,
    requests,
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    /** Changes the required credentials (undefined: none) for the requests that follow. */
    setAuth(next) {
      auth = next;
    },
    /**
     * The next upload-pack response (the pack) is cut after `after` body bytes: the server dies
     * mid-transfer — the connection reset, or with `{ end: true }` the response ended cleanly (a proxy or
     * server that closes the message early), which only the pack's contents can tell.
     */
    cutNextPack(after, how = {}) {
      cutNext = { after, end: how.end === true };
    },
    stop() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
}

module.exports = { startGitHttpServer };
