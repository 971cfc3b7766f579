/**
 * The read-only runs dashboard: one HTML page (no external assets) and three JSON endpoints it reads:
 * `/api/syncs` (every sync of the applied state: schedule, active, next fire), `/api/runs` (the last runs
 * from the sources' ledgers: status, trigger, counts, duration) and `/api/runs/ID` (a run and its rejected
 * rows with reasons). Nothing secret is in any of them: schedules, names and counts only, and run errors
 * are scrubbed by the run engine before they reach the ledger. Off loopback, every request needs the
 * token (`Authorization: Bearer …`, or `?token=` for the page itself).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecretRef } from '../config/secrets';
import { UserError } from '../errors';
import { runDetail, runHistory } from '../runs';
import type { StateFile } from '../state/types';
import type { Agent } from './agent';
import { DASHBOARD_HTML } from './dashboard-page';

/** `env:NAME` or `file:PATH` → a secret reference (values are never taken on the command line). */
export function parseRef(text: string, flag: string): SecretRef {
  const m = /^(env|file):(.+)$/.exec(text.trim());
  if (!m)
    throw new UserError(
      `${flag} must be a secret reference, env:NAME or file:PATH, got "${text.slice(0, 6)}…"`,
      'Put the value in an environment variable or a file and name it here.',
    );
  return m[1] === 'env' ? { env: m[2] } : { file: m[2] };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export interface DashboardOptions {
  agent: Agent;
  configDir: string;
  /** Required off loopback (checked by the command). */
  token?: string;
  history?: typeof runHistory;
  detail?: typeof runDetail;
}

function same(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export function describeSchedule(s: Record<string, unknown> | undefined): string {
  if (!s) return 'manual';
  switch (s.strategy) {
    case 'periodic':
      return `every ${String(s.interval)}`;
    case 'specific_days':
      return `${(s.days as string[]).join(', ')} at ${(s.hours as number[]).map((h) => `${h}:00`).join(', ')} ${String(s.timezone ?? 'UTC')}`;
    case 'cron':
      return `cron ${String(s.expression)} ${String(s.timezone ?? 'UTC')}`;
    case 'dbt_cloud':
      return `after dbt Cloud job ${String(s.job_id)} (${String(s.dbt_cloud)})`;
    case 'after_sync':
      return `after ${String(s.sync)} succeeds`;
    default:
      return String(s.strategy);
  }
}

export function syncRows(state: StateFile | undefined, agent: Agent) {
  const next = agent.nextFires();
  const active = agent.syncs?.syncs;
  return Object.values(state?.resources ?? {})
    .filter((r) => r.type === 'sync')
    .map((r) => {
      const at = next.get(r.name);
      return {
        name: r.name,
        model: String(r.attributes.model),
        destination: String(r.attributes.destination),
        schedule: describeSchedule(r.attributes.schedule as Record<string, unknown> | undefined),
        active: active?.has(r.name) ?? false,
        nextFire: at === undefined ? null : new Date(at).toISOString(),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function dashboardRoutes(o: DashboardOptions) {
  const history = o.history ?? runHistory;
  const detail = o.detail ?? runDetail;
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const isPage = url.pathname === '/' || url.pathname === '/index.html';
    if (!isPage && !url.pathname.startsWith('/api/')) return false;
    if (req.method !== 'GET') {
      json(res, 405, { error: 'read-only' });
      return true;
    }
    if (o.token !== undefined) {
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      const given = bearer ?? url.searchParams.get('token') ?? '';
      if (!same(given, o.token)) {
        json(res, 401, { error: 'dashboard token required' });
        return true;
      }
    }
    const state = o.agent.appliedState;
    if (isPage) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
      });
      res.end(DASHBOARD_HTML);
      return true;
    }
    if (url.pathname === '/api/syncs') {
      json(res, 200, { serial: state?.serial ?? null, syncs: syncRows(state, o.agent) });
      return true;
    }
    if (!state) {
      json(res, 503, { error: 'no applied state loaded yet' });
      return true;
    }
    const m = /^\/api\/runs\/([A-Za-z0-9_.:-]{1,100})$/.exec(url.pathname);
    try {
      if (url.pathname === '/api/runs') {
        const sync = url.searchParams.get('sync') ?? undefined;
        const limit = Math.min(500, Math.max(1, Number(url.searchParams.get('limit') ?? 50) || 50));
        const runs = await history(state, o.configDir, sync, limit);
        json(res, 200, { runs: runs.map(withDuration) });
        return true;
      }
      if (m) {
        const found = await detail(state, o.configDir, m[1], 200);
        json(res, 200, { run: withDuration(found.run), rejections: found.rejections });
        return true;
      }
    } catch (err) {
      if (err instanceof UserError) {
        json(res, 404, { error: err.message });
        return true;
      }
      throw err;
    }
    json(res, 404, { error: 'not found' });
    return true;
  };
}

function withDuration<T extends { startedAt: string; finishedAt: string | null }>(r: T) {
  return {
    ...r,
    durationMs: r.finishedAt === null ? null : Date.parse(r.finishedAt) - Date.parse(r.startedAt),
  };
}
