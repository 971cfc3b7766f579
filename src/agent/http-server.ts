/**
 * The agent's HTTP(S) endpoint: `POST /webhooks/dbt-cloud`, `GET /metrics` (Prometheus), `GET /healthz`,
 * and the read-only runs dashboard (`/`, `/api/*`, see dashboard.ts). Plain HTTP suits loopback and a
 * TLS-terminating proxy; with `tls` (cert and key PEM) it serves HTTPS itself.
 */
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Agent } from './agent';
import type { AgentDb } from './agent-db';
import { MAX_WEBHOOK_BYTES, parseDbtEvent, verifySignature } from './dbt-webhook';
import type { AgentMetrics } from './metrics';
import { dbtJobKey } from './workspace-syncs';

export interface HttpOptions {
  host: string;
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  agent: Agent;
  db: AgentDb;
  metrics: AgentMetrics;
  log: Logger;
  /** HMAC secrets of the dbt Cloud webhook subscriptions (any one may sign). */
  webhookSecrets: () => string[] | Promise<string[]>;
  /** Events older than this are refused as replays (dbt retries within minutes). Default 1 hour. */
  webhookMaxAgeMs?: number;
  now?: () => number;
  /** Extra routes (the dashboard). Returns false when it does not handle the request. */
  extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

export interface AgentHttp {
  url: string;
  port: number;
  close(): Promise<void>;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return reject(new TooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new TooLarge());
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function startAgentHttp(o: HttpOptions): Promise<AgentHttp> {
  const now = o.now ?? (() => Date.now());
  const maxAge = o.webhookMaxAgeMs ?? 3_600_000;

  async function webhook(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const result = (r: string) => o.metrics.webhooks.inc({ result: r });
    let body: Buffer;
    try {
      body = await readBody(req, MAX_WEBHOOK_BYTES);
    } catch (err) {
      result('bad_request');
      res.setHeader('connection', 'close');
      return json(res, 400, {
        error: err instanceof TooLarge ? `body larger than ${MAX_WEBHOOK_BYTES} bytes` : 'body unreadable',
      });
    }
    if (!verifySignature(req.headers.authorization, body, await o.webhookSecrets())) {
      result('unauthorized');
      o.log.warn({ bytes: body.length }, 'dbt Cloud webhook with an unknown signature refused');
      return json(res, 401, { error: 'signature does not match' });
    }
    const parsed = parseDbtEvent(body);
    if (parsed.kind === 'malformed') {
      result('bad_request');
      return json(res, 400, { error: parsed.why });
    }
    if (parsed.kind === 'ignored') {
      result('ignored');
      return json(res, 200, { ignored: parsed.why });
    }
    const e = parsed.event;
    const age = now() - Date.parse(e.timestamp);
    if (age > maxAge) {
      result('bad_request');
      o.log.warn({ event_id: e.eventId, age_ms: age }, 'dbt Cloud webhook too old: refused as a replay');
      return json(res, 400, { error: 'event is too old (replayed?)' });
    }
    const ws = o.agent.syncs;
    const syncs = ws?.byDbtJob.get(dbtJobKey(e.accountId, e.jobId)) ?? [];
    if (!ws || syncs.length === 0) {
      result('ignored');
      return json(res, 200, { ignored: `no sync runs after job ${e.jobId} of account ${e.accountId}` });
    }
    const at = now();
    const queued: string[] = [];
    let polled = false;
    const first = await o.db.firstDelivery(ws.lineage, e.eventId, async (tx) => {
      // The poller may have seen this dbt Cloud run first: it started the syncs already.
      if (!(await o.db.claimDbtRun(tx, ws.lineage, e.accountId, e.runId))) {
        polled = true;
        return;
      }
      for (const sync of syncs) {
        await o.agent.enqueue({ sync, trigger: `dbt_cloud:${e.jobId}/${e.runId}`, chain: [], at }, tx);
        queued.push(sync);
      }
    });
    if (!first || polled) {
      result('duplicate');
      return json(res, 200, { duplicate: e.eventId });
    }
    o.agent.wake();
    result('queued');
    o.log.info(
      { event_id: e.eventId, job_id: e.jobId, dbt_run_id: e.runId, syncs: queued },
      'dbt Cloud job finished: runs queued',
    );
    return json(res, 202, { queued });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (url.pathname === '/webhooks/dbt-cloud') {
      if (req.method !== 'POST') return json(res, 405, { error: 'POST only' });
      return webhook(req, res);
    }
    if (url.pathname === '/healthz') {
      const ws = o.agent.syncs;
      return json(res, ws ? 200 : 503, {
        status: ws ? 'ok' : 'loading',
        serial: ws?.serial,
        syncs: ws?.syncs.size,
      });
    }
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': o.metrics.registry.contentType });
      res.end(await o.metrics.registry.metrics());
      return;
    }
    if (o.extra && (await o.extra(req, res, url))) return;
    json(res, 404, { error: 'not found' });
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: unknown) => {
      o.log.error({ err: err instanceof Error ? err.message : String(err), path: req.url }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.end();
    });
  };
  const server: Server = o.tls
    ? createHttps({ cert: o.tls.cert, key: o.tls.key }, handler)
    : createHttp(handler);
  // dbt waits 10 s: a slow client must not hold a socket longer than that.
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    url: `${o.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
