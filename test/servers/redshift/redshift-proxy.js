'use strict';
/**
 * A Redshift in front of a real Postgres: a wire-protocol proxy on 127.0.0.1 that passes every message
 * through, except the SQL of simple (`Q`) and extended (`P`, Parse) queries, which it reads the way
 * Redshift does (redshift-rules.js): quoted identifiers folded to lower case, and what Redshift refuses
 * replaced by a call that raises Redshift's error with its SQLSTATE inside Postgres, so the protocol state
 * (errors in a pipeline, aborted transactions, Sync) stays Postgres' own. SSL is declined (`N`), as a
 * cluster without require_ssl does. Protocol: postgresql.org/docs/current/protocol-message-formats.html.
 */
const { Buffer } = require('node:buffer');
const net = require('node:net');
const { redshiftRewrite, Rejection } = require('./redshift-rules');

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

const literal = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** The statement that raises `rejection` in Postgres, keeping `params` placeholders bindable. */
function raising(rejection, params) {
  const args = Array.from({ length: params }, (_, i) => `, $${i + 1}::text`).join('');
  return `select redshift_compat.reject(${literal(rejection.code)}, ${literal(rejection.message)}, ${literal(rejection.hint ?? '')}${args})`;
}

/** Highest `$n` placeholder in the text (the Bind that follows supplies that many). */
function placeholders(sql) {
  let max = 0;
  for (const m of sql.matchAll(/\$(\d+)/g)) max = Math.max(max, Number(m[1]));
  return max;
}

function rewrite(sql, log) {
  try {
    const out = redshiftRewrite(sql);
    if (out !== sql) log.rewritten += 1;
    return out;
  } catch (err) {
    if (!(err instanceof Rejection)) throw err;
    log.rejected.push({ sql, code: err.code, message: err.message });
    return raising(err, placeholders(sql));
  }
}

function message(type, body) {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function transform(type, body, log) {
  if (type === 'Q') {
    const sql = body.subarray(0, body.length - 1).toString('utf8');
    return message('Q', Buffer.concat([Buffer.from(rewrite(sql, log), 'utf8'), Buffer.from([0])]));
  }
  if (type === 'P') {
    const nameEnd = body.indexOf(0);
    const sqlEnd = body.indexOf(0, nameEnd + 1);
    const sql = body.subarray(nameEnd + 1, sqlEnd).toString('utf8');
    return message(
      'P',
      Buffer.concat([
        body.subarray(0, nameEnd + 1),
        Buffer.from(rewrite(sql, log), 'utf8'),
        body.subarray(sqlEnd),
      ]),
    );
  }
  return message(type, body);
}

/**
 * @param {{ host: string, port: number }} target the real Postgres
 */
async function startRedshiftProxy(target) {
  const log = { connections: 0, rewritten: 0, rejected: [] };
  const sockets = new Set();
  const server = net.createServer((client) => {
    log.connections += 1;
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let pending = Buffer.alloc(0);
    let started = false;
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.on('data', (d) => client.write(d));
    client.on('data', (d) => {
      pending = Buffer.concat([pending, d]);
      for (;;) {
        if (!started) {
          if (pending.length < 8) return;
          const length = pending.readInt32BE(0);
          if (pending.length < length) return;
          const code = pending.readInt32BE(4);
          const startup = pending.subarray(0, length);
          pending = pending.subarray(length);
          if (code === SSL_REQUEST) {
            client.write('N');
            continue;
          }
          upstream.write(startup);
          if (code !== CANCEL_REQUEST) started = true;
          continue;
        }
        if (pending.length < 5) return;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) return;
        const type = String.fromCharCode(pending[0]);
        const body = pending.subarray(5, 1 + length);
        pending = pending.subarray(1 + length);
        upstream.write(transform(type, body, log));
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: '127.0.0.1',
    port: server.address().port,
    log,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(() => r()));
    },
  };
}

module.exports = { startRedshiftProxy };
