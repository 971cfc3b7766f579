/// <reference lib="dom" />
/**
 * `backflow agent` as a user runs it: the real CLI (built from this source) on a workspace with the `pg`
 * state backend, a Postgres source and the webhook receiver on loopback. The agent's clock is injected
 * (`BACKFLOW_AGENT_CLOCK`, 120× real time from just before a daily slot), so schedules fire without the
 * test sleeping for them. It checks: a cron slot fires and its after_sync chain runs after success and not
 * after failure; an apply while the agent runs is picked up; /healthz and /metrics answer; JSON log lines
 * about a run carry its run id; SIGTERM mid-delivery exits 0 and leaves a run the next agent resumes,
 * with nothing delivered twice. Then the runs dashboard in Debian's Chromium: syncs, next fires, runs,
 * the chart, a run's rejected rows; no secret in the page; the token is asked for.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli, type CliResult } from '../helpers/cli';
import { artefactPath, browserAvailable, launchBrowser } from '../helpers/browser';
import { createTestDatabase, uniqueName, type TestDatabase, type TestRole } from '../helpers/pg';
import { SECRETS, scratchDir, sourceConfig, writeConfig } from '../helpers/workspace';
import { startWebhookServer, type WebhookServer } from '../servers/webhook/webhook-server';

const SIGNING = 'sign-Ag7-webhook-secret-4242';
const DASH_TOKEN = 'dash-Tk9-dashboard-token-5150';
const EVENTS = 1200;
const REJECT_EVERY = 300;

let db: TestDatabase;
let role: TestRole;
let dir: string;
let hook: WebhookServer;
const schema = uniqueName('agent_state');
const outputs: string[] = [];
const children: ChildProcess[] = [];

interface Run {
  runId: string;
  sync: string;
  trigger: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  accepted: Record<string, number>;
  rejected: Record<string, number>;
}

interface RunningCli {
  child: ChildProcess;
  url: string;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

const env = (extra: Record<string, string> = {}) => ({
  ...SECRETS,
  STATE_URL: db.url,
  HOOK_SIGNING: SIGNING,
  CRM_BEARER: `Bearer ${SECRETS.CRM_TOKEN}`,
  DASH_TOKEN,
  ...extra,
});

const cli = async (args: string[]): Promise<CliResult> => {
  const r = await runCli(args, { cwd: dir, env: env() });
  outputs.push(r.output);
  return r;
};

function config(extraSyncs: Record<string, unknown> = {}): Record<string, unknown> {
  const daily = { strategy: 'cron', expression: '0 10 * * *', timezone: 'UTC' };
  return {
    backend: { type: 'pg', connection_string: { env: 'STATE_URL' }, schema, workspace: 'prod' },
    sources: { warehouse: sourceConfig(role.settings, role.name) },
    models: {
      users: {
        source: 'warehouse',
        name: 'Users',
        query: 'select id, email, plan from app.users',
        primary_key: 'id',
      },
      orders: {
        source: 'warehouse',
        name: 'Orders',
        query: 'select id, total from app.orders',
        primary_key: 'id',
      },
      events: {
        source: 'warehouse',
        name: 'Events',
        query: 'select id, name from app.events',
        primary_key: 'id',
      },
    },
    destinations: {
      crm: {
        type: 'webhook',
        url: hook.url,
        headers: { Authorization: { env: 'CRM_BEARER' } },
        signing_secret: { env: 'HOOK_SIGNING' },
        batch_size: 50,
      },
      // The receiver refuses requests without the bearer header (401): every run to it fails.
      locked: { type: 'webhook', url: hook.url, signing_secret: { env: 'HOOK_SIGNING' } },
    },
    syncs: {
      users_to_crm: { model: 'users', destination: 'crm', mapping: { email: 'email' }, schedule: daily },
      orders_after_users: {
        model: 'orders',
        destination: 'crm',
        mapping: { total: 'total' },
        schedule: { strategy: 'after_sync', sync: 'users_to_crm' },
      },
      users_to_locked: { model: 'users', destination: 'locked', mapping: { plan: 'plan' }, schedule: daily },
      orders_after_locked: {
        model: 'orders',
        destination: 'locked',
        mapping: { total: 'total' },
        schedule: { strategy: 'after_sync', sync: 'users_to_locked' },
      },
      nightly_manual: { model: 'users', destination: 'crm', mapping: { plan: 'plan' } },
      ...extraSyncs,
    },
  };
}

/** Starts `backflow agent` and resolves once it listens. `clock` is BACKFLOW_AGENT_CLOCK. */
async function startAgentCli(clock: string, args: string[] = []): Promise<RunningCli> {
  const child = startCli(['agent', '--listen', '127.0.0.1:0', '--reload-interval', '1s', ...args], {
    cwd: dir,
    env: env({ BACKFLOW_AGENT_CLOCK: clock }),
  });
  children.push(child);
  const lines: Record<string, unknown>[] = [];
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const parts = out.split('\n');
      out = parts.pop()!;
      for (const l of parts) {
        if (!l.trim()) continue;
        const line = JSON.parse(l) as Record<string, unknown>;
        lines.push(line);
        if (line.msg === 'agent listening') resolve(String(line.url));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    void exited.then((code) => reject(new Error(`agent exited ${code} before listening: ${err}`)));
  });
  return { child, url, lines, stderr: () => err, exited };
}

async function getJson<T>(url: string, token?: string): Promise<T> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const runsOf = async (agent: RunningCli, token?: string) =>
  (await getJson<{ runs: Run[] }>(`${agent.url}/api/runs?limit=200`, token)).runs;

/** The value of a Prometheus sample (`name{labels} value`), or undefined. */
function sample(metrics: string, name: string, labels = ''): number | undefined {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

beforeAll(async () => {
  db = await createTestDatabase('e2e_agent');
  role = await db.createRole({ password: SECRETS.WAREHOUSE_PASSWORD });
  await db.query(`create schema app`);
  await db.query(`create table app.users (id int primary key, email text not null, plan text)`);
  await db.query(
    `insert into app.users select g, 'user' || g || '@example.com', case when g % 3 = 0 then 'pro' else 'free' end from generate_series(1, 120) g`,
  );
  await db.query(`create table app.orders (id int primary key, total numeric)`);
  await db.query(`insert into app.orders select 10000 + g, g * 1.5 from generate_series(1, 40) g`);
  await db.query(`create table app.events (id int primary key, name text)`);
  await db.query(
    `insert into app.events select 100000 + g, 'event ' || g from generate_series(1, ${EVENTS}) g`,
  );
  await db.query(
    `grant usage on schema app to ${role.name}; grant select on all tables in schema app to ${role.name}`,
  );
  await db.query(`grant create on database ${db.name} to ${role.name}`);
  hook = await startWebhookServer({
    signingSecret: SIGNING,
    authorization: `Bearer ${SECRETS.CRM_TOKEN}`,
    // A few events are refused by the receiver, with a reason the dashboard shows.
    reject: (r) =>
      Number(r.record_id) > 100000 && Number(r.record_id) % REJECT_EVERY === 0
        ? `event ${r.record_id} quarantined by the receiver`
        : undefined,
  });
  dir = scratchDir('backflow-agent-');
  writeConfig(dir, config());
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await hook?.close();
  await db?.drop();
});

describe('backflow agent end to end', () => {
  let first: RunningCli;
  let second: RunningCli;

  it('refuses to start before anything is applied, and off loopback without a dashboard token', async () => {
    const empty = await cli(['agent', '--listen', '127.0.0.1:0']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('Nothing is applied in this workspace yet');
    const open = await cli(['agent', '--listen', '0.0.0.0:0']);
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('the dashboard needs --dashboard-token');
    const clock = await runCli(['agent', '--listen', '127.0.0.1:0'], {
      cwd: dir,
      env: env({ BACKFLOW_AGENT_CLOCK: 'soon' }),
    });
    expect(clock.code).toBe(1);
    expect(clock.stderr).toContain('BACKFLOW_AGENT_CLOCK must be');
    for (const r of [empty, open, clock]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('fires a daily slot, chains after success and not after failure', async () => {
    expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
    // 09:40 at 120× real time: the 10:00 slot comes 10 s after the start.
    first = await startAgentCli('2026-03-02T09:40:00Z,120');
    const health = await getJson<{ status: string; serial: number; syncs: number }>(`${first.url}/healthz`);
    expect(health).toMatchObject({ status: 'ok', syncs: 5 });

    const runs = await until('the slot, its chain and the failure', async () => {
      const r = await runsOf(first);
      const done = (sync: string) => r.find((x) => x.sync === sync && x.finishedAt !== null);
      return done('users_to_crm') && done('orders_after_users') && done('users_to_locked') ? r : undefined;
    });
    const bySync = (s: string) => runs.filter((x) => x.sync === s);
    expect(bySync('users_to_crm')).toMatchObject([{ status: 'succeeded', trigger: 'schedule' }]);
    expect(bySync('orders_after_users')).toMatchObject([
      { status: 'succeeded', trigger: 'after_sync:users_to_crm' },
    ]);
    expect(bySync('users_to_locked')).toMatchObject([{ status: 'failed', trigger: 'schedule' }]);
    expect(bySync('users_to_crm')[0].accepted.add).toBe(120);
    // The chain starts after its upstream finished.
    expect(Date.parse(bySync('orders_after_users')[0].startedAt)).toBeGreaterThanOrEqual(
      Date.parse(bySync('users_to_crm')[0].finishedAt!),
    );
    // Give a wrongly chained run time to show up: the agent polls its queue every 2 s.
    await new Promise((r) => setTimeout(r, 3000));
    const later = await runsOf(first);
    expect(later.filter((x) => x.sync === 'orders_after_locked')).toEqual([]);
    expect(later.filter((x) => x.sync === 'nightly_manual')).toEqual([]);
    expect(later.filter((x) => x.sync === 'users_to_crm')).toHaveLength(1);
    expect(hook.current().size).toBe(160);
    expect(hook.duplicates).toBe(0);
  }, 120_000);

  it('serves /metrics: runs by status, rows by operation, delivery latency, queue depth', async () => {
    const res = await fetch(`${first.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = await res.text();
    expect(sample(m, 'backflow_runs_total', '{status="succeeded"}')).toBe(2);
    expect(sample(m, 'backflow_runs_total', '{status="failed"}')).toBe(1);
    expect(sample(m, 'backflow_rows_total', '{operation="add",outcome="accepted"}')).toBe(160);
    expect(sample(m, 'backflow_delivery_latency_seconds_count', '{result="answered"}')).toBeGreaterThan(0);
    expect(sample(m, 'backflow_trigger_latency_seconds_count')).toBe(3);
    expect(sample(m, 'backflow_queue_depth')).toBe(0);
  });

  it('picks up an apply while it runs, and stops gracefully on SIGTERM mid-delivery', async () => {
    const serialBefore = (await getJson<{ serial: number }>(`${first.url}/healthz`)).serial;
    writeConfig(
      dir,
      config({
        events_to_crm: {
          model: 'events',
          destination: 'crm',
          mapping: { name: 'name' },
          schedule: { strategy: 'periodic', interval: '15m' },
        },
      }),
    );
    // Every request to the receiver stalls: SIGTERM lands while batches are in flight.
    hook.faults.push(...Array.from({ length: 200 }, () => ({ stallMs: 150 })));
    expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
    await until('the reload', async () => {
      const h = await getJson<{ serial: number; syncs: number }>(`${first.url}/healthz`);
      return h.serial > serialBefore && h.syncs === 6 ? true : undefined;
    });
    // The new sync fires at its next 15-minute slot (≤ 7.5 s of real time) and starts delivering.
    await until('events delivery to start', async () =>
      hook.received.filter((r) => Number(r.record_id) > 100000).length >= 100 ? true : undefined,
    );
    const sigtermAt = first.lines.length;
    first.child.kill('SIGTERM');
    const code = await first.exited;
    // Documented: a SIGTERM'd agent exits 0 once its runs stopped and the queue is released.
    expect(code).toBe(0);
    hook.faults.length = 0;
    const after = first.lines.slice(sigtermAt);
    expect(after.filter((l) => l.msg === 'run started')).toEqual([]);
    expect(after.find((l) => l.msg === 'run stopped by shutdown; queued to resume')).toMatchObject({
      sync: 'events_to_crm',
      run_id: expect.stringMatching(/^run_/),
    });
    expect(after.at(-1)?.msg).toBe('agent stopped');
    const delivered = hook.received.filter((r) => Number(r.record_id) > 100000).length;
    expect(delivered).toBeLessThan(EVENTS);
  }, 120_000);

  it('JSON logs: every line about a run carries its run id', () => {
    const runLines = first.lines.filter((l) =>
      [
        'run started',
        'run finished',
        'after_sync queued',
        'run stopped by shutdown; queued to resume',
      ].includes(String(l.msg)),
    );
    expect(runLines.length).toBeGreaterThanOrEqual(8);
    for (const l of runLines) {
      expect(l).toMatchObject({ run_id: expect.stringMatching(/^run_/), sync: expect.any(String) });
      expect(typeof l.time).toBe('string');
      expect(typeof l.level).toBe('number');
    }
    expect(first.lines.find((l) => l.msg === 'schedule fired')).toMatchObject({ sync: 'users_to_crm' });
  });

  it('the next agent resumes the stopped run; nothing is delivered twice', async () => {
    // Later the same day: the daily slots are behind, the 15-minute one missed slots and fires once.
    second = await startAgentCli('2026-03-02T12:00:00Z,120', ['--dashboard-token', 'env:DASH_TOKEN']);
    const resumed = await until('the resumed run to finish', async () => {
      const r = await runsOf(second, DASH_TOKEN);
      const events = r.filter((x) => x.sync === 'events_to_crm');
      return events.length > 0 && events.every((x) => x.finishedAt !== null) ? events : undefined;
    });
    const started = second.lines.find((l) => l.msg === 'run started' && l.sync === 'events_to_crm');
    expect(started).toMatchObject({ resumed: true, trigger: 'resume' });
    expect(resumed.map((x) => x.runId)).toContain(started!.run_id);
    expect(resumed.find((x) => x.runId === started!.run_id)).toMatchObject({ status: 'partial' });
    expect(hook.duplicates).toBe(0);
    const events = [...hook.current().keys()].filter((k) => Number(k) > 100000);
    expect(events).toHaveLength(EVENTS - EVENTS / REJECT_EVERY);
  }, 120_000);

  it('serves the runs dashboard: syncs, next fires, runs, chart, rejected rows, no secrets', async () => {
    const refused = await fetch(`${second.url}/api/runs`);
    expect(refused.status).toBe(401);
    expect((await fetch(`${second.url}/`)).status).toBe(401);
    expect((await fetch(`${second.url}/?token=wrong-token-value`)).status).toBe(401);
    if (!browserAvailable()) {
      console.warn('chromium is not installed: the browser part of the dashboard test is skipped');
      return;
    }
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      // The agent keeps firing while the page loads: the runs it shows lie between what the
      // API listed just before and just after.
      const apiBefore = await runsOf(second, DASH_TOKEN);
      await page.goto(`${second.url}/?token=${DASH_TOKEN}`);
      await page.waitForSelector('body[data-ready="1"]');
      const syncRows = await page.$$eval('#syncs tbody tr', (trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')),
      );
      expect(syncRows.map((r) => r[0])).toEqual([
        'events_to_crm',
        'nightly_manual',
        'orders_after_locked',
        'orders_after_users',
        'users_to_crm',
        'users_to_locked',
      ]);
      const row = (name: string) => syncRows.find((r) => r[0] === name)!;
      expect(row('users_to_crm')[1]).toBe('cron 0 10 * * * UTC');
      expect(row('orders_after_users')[1]).toBe('after users_to_crm succeeds');
      expect(row('nightly_manual')[1]).toBe('manual');
      expect(row('events_to_crm')[1]).toBe('every 15m');
      // Next fire: the clock is at 2026-03-02 ~12:00, so the daily slot is tomorrow's 10:00 UTC.
      const next = await page.$$eval('#syncs tbody tr', (trs) =>
        trs.map((tr) => [tr.querySelector('td')?.textContent, tr.getAttribute('data-next-fire')]),
      );
      expect(Object.fromEntries(next)).toMatchObject({
        users_to_crm: '2026-03-03T10:00:00.000Z',
        nightly_manual: null,
        orders_after_users: null,
      });
      expect(row('users_to_crm')[3]).not.toBe('—');
      expect(row('users_to_crm')[4]).toBe('succeeded');

      const runs = await page.$$eval('#runs tbody tr', (trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')),
      );
      const apiAfter = await runsOf(second, DASH_TOKEN);
      const shown = new Set(runs.map((r) => r[0]));
      expect(apiBefore.filter((x) => !shown.has(x.runId))).toEqual([]);
      const known = new Set(apiAfter.map((x) => x.runId));
      expect(runs.filter((r) => !known.has(r[0]))).toEqual([]);
      const api = apiAfter.filter((x) => shown.has(x.runId));
      expect(runs).toHaveLength(api.length);
      // A run still going when the page loaded may have finished by the second listing: the rows checked
      // against the API are those of runs already finished before the page loaded.
      const rowOf = (sync: string, status: string) => {
        const run = apiBefore.find((x) => x.sync === sync && x.status === status)!;
        return runs.find((r) => r[0] === run.runId)!;
      };
      const users = rowOf('users_to_crm', 'succeeded');
      // run, sync, status, trigger, started, added, changed, removed, rejected, duration
      expect(users.slice(2, 4)).toEqual(['succeeded', 'schedule']);
      expect(users.slice(5, 9)).toEqual(['120', '0', '0', '0']);
      expect(users[9]).toMatch(/^\d+\.\d s$/);
      expect(rowOf('users_to_locked', 'failed').slice(2, 4)).toEqual(['failed', 'schedule']);
      for (const x of apiBefore.filter((r) => ['succeeded', 'partial', 'failed'].includes(r.status))) {
        const row = runs.find((r) => r[0] === x.runId)!;
        const rejectedTotal = Object.values(x.rejected).reduce((a, n) => a + n, 0);
        expect({ run: x.runId, status: row[2], rejected: row[8] }).toEqual({
          run: x.runId,
          status: x.status,
          rejected: String(rejectedTotal),
        });
      }
      const partial = apiBefore.find((x) => x.sync === 'events_to_crm' && x.status === 'partial')!;
      const partialRow = runs.find((r) => r[0] === partial.runId)!;
      expect(partialRow[2]).toBe('partial');
      expect(partialRow[8]).toBe(String(EVENTS / REJECT_EVERY));

      // The chart: one bar per run, heights from the rows of each run.
      const bars = await page.$$eval('#chart rect.ok', (rects) =>
        rects.map((r) => Number(r.getAttribute('height'))),
      );
      expect(bars).toHaveLength(api.length);
      expect(Math.max(...bars)).toBe(140);
      expect(bars.filter((h) => h > 0).length).toBeGreaterThanOrEqual(3);
      // Runs with rejections have a red part on top.
      const red = await page.$$eval('#chart rect.bad', (rects) => rects.length);
      expect(red).toBe(runs.filter((r) => r[8] !== '0').length);
      expect(red).toBeGreaterThanOrEqual(1);

      // A run's rejected rows, with their reasons.
      await page.click(`#runs tr[data-run="${partial.runId}"]`);
      await page.waitForSelector('#rejections:not([hidden]) tbody tr');
      const rejected = await page.$$eval('#rejections tbody tr', (trs) =>
        trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')),
      );
      expect(rejected.map((r) => r[0]).sort()).toEqual(
        Array.from({ length: EVENTS }, (_, i) => 100001 + i)
          .filter((id) => id % REJECT_EVERY === 0)
          .map(String)
          .sort(),
      );
      for (const r of rejected) {
        // `add` in the run that first sent them, `retry` in a later run (rejected rows are tried again).
        expect(['add', 'retry']).toContain(r[1]);
        expect(r[2]).toBe(`event ${r[0]} quarantined by the receiver`);
      }
      await page.screenshot({ path: artefactPath('agent-dashboard.png'), fullPage: true });

      const html = await page.content();
      for (const secret of [SECRETS.WAREHOUSE_PASSWORD, SECRETS.CRM_TOKEN, SIGNING])
        expect(html).not.toContain(secret);
      // The token the page was opened with is not written into the page.
      expect(html).not.toContain(DASH_TOKEN);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('never shows or stores a secret value', async () => {
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const ledger = await db.query(`select * from __segment_reverse_etl.backflow_runs`);
    const queue = await db.query(`select data, output from backflow_queue.job`);
    const haystack = [
      outputs.join('\n'),
      JSON.stringify(first.lines),
      first.stderr(),
      JSON.stringify(second.lines),
      second.stderr(),
      JSON.stringify(ledger),
      JSON.stringify(queue),
      readFileSync(join(dir, 'backflow.json'), 'utf8'),
    ].join('\n');
    for (const secret of [SECRETS.WAREHOUSE_PASSWORD, SECRETS.CRM_TOKEN, SIGNING, DASH_TOKEN])
      expect(haystack).not.toContain(secret);
  });
});
