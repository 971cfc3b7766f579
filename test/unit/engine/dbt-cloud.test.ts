/**
 * The engine's side of dbt Cloud, against the protocol-level test server: refresh reads each link in a
 * fixed number of requests, the planner names the account and every sync's job (or says why not), a job
 * deleted upstream is drift plus an error (a warning for a disabled sync), a rotated key shows as
 * `(sensitive value changed)`, and apply records what it checked.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestFromDbtCloud } from '../../../src/adapters/dbtcloud';
import { DbtCloudClients } from '../../../src/engine/dbt-cloud-clients';
import { dbtCloudActions, dbtCloudScheduleComputed } from '../../../src/engine/actions/dbt-cloud-actions';
import type { ActionContext } from '../../../src/engine/actions/types';
import { refreshDbtCloud } from '../../../src/engine/refresh-dbt-cloud';
import type { Plan } from '../../../src/engine/plan';
import type { StateFile } from '../../../src/state/types';
import type { DesiredState } from '../../../src/config/desired';
import { renderHuman } from '../../../src/render/human';
import { toJsonPlan } from '../../../src/render/json-plan';
import { renderMarkdown } from '../../../src/render/markdown';
import {
  desired,
  pgSource,
  planOf,
  resource,
  sqlModel,
  stateFrom,
  sync,
  webhook,
} from '../../helpers/builders';
import { sampleWorld, startDbtCloudServer, type DbtCloudTestServer } from '../../servers/dbtcloud/server';

const KEY = 'dbtc_unit-key-5512';
const ENV = 'BACKFLOW_UNIT_DBT_CLOUD_KEY';
let server: DbtCloudTestServer;

const link = (key = KEY, extra: Record<string, unknown> = {}) =>
  resource(
    'dbt_cloud',
    'main',
    {
      account_id: 1234,
      access_url: server.url,
      api_key: { $sensitive: { ref: { env: ENV }, fingerprint: '' } },
      ...extra,
    },
    { secrets: { api_key: key } },
  );

const cloudSync = (name: string, jobId: number, extra: Record<string, unknown> = {}) =>
  sync(name, 'orders', { schedule: { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: jobId }, ...extra });

function workspace(...syncs: ReturnType<typeof sync>[]): DesiredState {
  return desired(pgSource(), sqlModel('orders', 'select 1 as id'), webhook(), link(), ...syncs);
}

async function plan(
  d: DesiredState,
  state: StateFile | null,
  clients = new DbtCloudClients('/tmp'),
): Promise<Plan> {
  const base = state ?? stateFrom(desired());
  const r = await refreshDbtCloud(d, base, clients);
  const world = { refreshed: true, sources: new Map(), models: new Map(), dbtCloud: r.observations };
  return planOf(d, base, { world, drift: r.drift, diagnostics: r.diagnostics });
}

const errors = (p: Plan) => p.diagnostics.filter((d) => d.severity === 'error');
const change = (p: Plan, address: string) => p.resource_changes.find((c) => c.address === address)!;

beforeEach(async () => {
  process.env[ENV] = KEY;
  server = await startDbtCloudServer(sampleWorld(KEY));
});

afterEach(async () => {
  delete process.env[ENV];
  await server.stop();
});

describe('plan', () => {
  it('names the account and each sync’s job and project', async () => {
    const p = await plan(workspace(cloudSync('a', 42), cloudSync('b', 50)), null);
    expect(errors(p)).toEqual([]);
    expect(change(p, 'dbt_cloud.main').computed).toEqual({
      account_name: 'Acme Analytics',
      webhook: { mode: 'poll', reason: 'no webhook_url: dbt Cloud has nowhere to deliver', job_ids: [] },
    });
    expect(change(p, 'sync.b').computed).toMatchObject({
      dbt_cloud_job: { id: 50, name: 'Finance daily', project: 'Finance', state: 'active' },
    });
    const json = toJsonPlan(p);
    expect(json.resource_changes.find((c) => c.address === 'dbt_cloud.main')!.notes).toEqual([
      'dbt Cloud account 1234: "Acme Analytics"',
      "triggers: polling the jobs' runs (no webhook_url: dbt Cloud has nowhere to deliver)",
    ]);
    const human = renderHuman(p, { color: false });
    expect(human).toContain(
      '  # dbt_cloud.main will be created\n  # (dbt Cloud account 1234: "Acme Analytics")',
    );
    expect(human).toContain('  # (runs after dbt Cloud job 42 "Nightly build" in project "Analytics")');
    expect(renderMarkdown(p)).toContain(
      '_(runs after dbt Cloud job 50 "Finance daily" in project "Finance")_',
    );
  });

  it('reads a link in a fixed number of requests, however many syncs use it', async () => {
    const many = Array.from({ length: 5 }, (_, i) => cloudSync(`s${i}`, i % 2 ? 42 : 43));
    await plan(workspace(...many), null);
    expect(server.requests.map((r) => r.path).sort()).toEqual([
      '/api/v2/accounts/1234/',
      '/api/v2/accounts/1234/jobs/',
      '/api/v2/accounts/1234/projects/',
    ]);
  });

  it('an unknown job is an error at schedule.job_id, listing the jobs that exist', async () => {
    const p = await plan(workspace(cloudSync('a', 4242)), null);
    expect(errors(p)).toEqual([
      expect.objectContaining({
        summary: 'sync.a: dbt Cloud job 4242 does not exist in account 1234 (dbt_cloud.main)',
        path: '$.syncs.a.schedule.job_id',
      }),
    ]);
    expect(errors(p)[0].detail).toMatch(/Nightly build \(id 42\)[\s\S]*Finance daily \(id 50\)/);
    expect(errors(p)[0].detail).toContain('backflow dbt-cloud jobs main');
  });

  it('a rejected key fails the link, and syncs are not checked against it', async () => {
    const d = desired(
      pgSource(),
      sqlModel('orders', 'select 1 as id'),
      webhook(),
      link(),
      cloudSync('a', 4242),
    );
    process.env[ENV] = 'not-the-key';
    const p = await plan(d, null);
    expect(errors(p).map((e) => e.summary)).toEqual([
      `dbt_cloud.main: the API key was rejected by dbt Cloud at ${server.url} (HTTP 401)`,
    ]);
    expect(JSON.stringify(p)).not.toContain('not-the-key');
  });

  it('a rotated key shows as (sensitive value changed)', async () => {
    const before = workspace(cloudSync('a', 42));
    const state = stateFrom(before, { 'dbt_cloud.main': { account_name: 'Acme Analytics' } });
    const rotated = desired(
      pgSource(),
      sqlModel('orders', 'select 1 as id'),
      webhook(),
      link('dbtc_rotated-key-0001'),
      cloudSync('a', 42),
    );
    server.world.keys.set('dbtc_rotated-key-0001', [1234]);
    process.env[ENV] = 'dbtc_rotated-key-0001';
    const p = await plan(rotated, state);
    expect(change(p, 'dbt_cloud.main').action).toBe('update');
    const human = renderHuman(p, { color: false });
    expect(human).toContain('~ api_key = (sensitive value changed)');
    expect(human).toContain('# (dbt Cloud account 1234: "Acme Analytics")');
    expect(human).not.toContain('dbtc_rotated-key-0001');
  });
});

describe('a job deleted upstream', () => {
  const recorded = { id: 42, name: 'Nightly build', project_id: 7, project: 'Analytics', state: 'active' };

  async function afterDeletion(enabled: boolean, listDeleted: boolean): Promise<Plan> {
    const d = workspace(cloudSync('a', 42, { enabled }));
    const state = stateFrom(d, {
      'dbt_cloud.main': { account_name: 'Acme Analytics' },
      'sync.a': { status: enabled ? 'active' : 'disabled', dbt_cloud_job: recorded },
    });
    server.world.jobs[0].state = 2;
    server.world.listDeletedJobs = listDeleted;
    return plan(d, state);
  }

  it.each([true, false])(
    'is drift and an error while the sync is active (deleted jobs listed: %s)',
    async (listed) => {
      const p = await afterDeletion(true, listed);
      expect(p.resource_drift).toEqual([
        expect.objectContaining({
          address: 'sync.a',
          kind: 'changed',
          attributes: [{ path: 'dbt_cloud_job.state', before: 'active', after: 'deleted' }],
        }),
      ]);
      expect(errors(p)).toEqual([
        expect.objectContaining({
          summary:
            'sync.a: dbt Cloud job 42 ("Nightly build") was deleted in dbt Cloud, and the sync is active',
          address: 'sync.a',
          path: '$.syncs.a.schedule.job_id',
        }),
      ]);
      expect(p.errored).toBe(true);
      const human = renderHuman(p, { color: false });
      expect(human).toContain('# sync.a has changed');
      expect(human).toContain('~ state = "active" -> "deleted"');
    },
  );

  it('is a warning when the sync is disabled', async () => {
    const p = await afterDeletion(false, false);
    expect(p.errored).toBe(false);
    expect(p.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        summary:
          'sync.a: dbt Cloud job 42 ("Nightly build") was deleted in dbt Cloud; the sync is disabled, so nothing runs',
      }),
    ]);
  });

  it('a renamed job or account is drift, not an error', async () => {
    const d = workspace(cloudSync('a', 42));
    const state = stateFrom(d, {
      'dbt_cloud.main': { account_name: 'Acme' },
      'sync.a': { status: 'active', dbt_cloud_job: { ...recorded, name: 'Nightly' } },
    });
    const p = await plan(d, state);
    expect(p.errored).toBe(false);
    expect(p.resource_drift.map((e) => [e.address, e.attributes])).toEqual([
      ['dbt_cloud.main', [{ path: 'account_name', before: 'Acme', after: 'Acme Analytics' }]],
      ['sync.a', [{ path: 'dbt_cloud_job.name', before: 'Nightly', after: 'Nightly build' }]],
    ]);
  });
});

describe('manifests for the dbt loader', () => {
  it('reads the latest successful run of a job through the pool’s client, cached by run id', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'backflow-dbtc-'));
    const attributes = workspace().resources.get('dbt_cloud.main')!.attributes;
    const client = new DbtCloudClients('/tmp').get('dbt_cloud.main', attributes);
    const m = await manifestFromDbtCloud(client, 42, cacheDir);
    expect(m.provenance).toBe('dbt Cloud job 42 run 1001 finished 2026-01-01T03:00:00Z');
    server.world.manifests.clear(); // a second read needs only the cache
    await expect(manifestFromDbtCloud(client, 42, cacheDir)).resolves.toMatchObject({ run_id: 1001 });
  });
});

describe('apply', () => {
  function ctx(d: DesiredState, address: string): ActionContext {
    const r = d.resources.get(address)!;
    return {
      change: {
        address,
        type: r.type,
        name: r.name,
        action: 'create',
        before: null,
        after: r.attributes,
        changed: [],
        replace_paths: [],
        depends_on: [],
      },
      desired: r,
      desiredState: d,
      state: { get: () => undefined, addresses: () => [] },
      connections: { dbtCloud: new DbtCloudClients('/tmp') } as unknown as ActionContext['connections'],
    };
  }

  it('records the account name, and each sync’s job', async () => {
    const d = workspace(cloudSync('a', 43));
    await expect(dbtCloudActions.create(ctx(d, 'dbt_cloud.main'))).resolves.toEqual({
      account_name: 'Acme Analytics',
      host: server.url,
    });
    await expect(dbtCloudScheduleComputed(ctx(d, 'sync.a'))).resolves.toEqual({
      dbt_cloud_job: { id: 43, name: 'Hourly refresh', project_id: 7, project: 'Analytics', state: 'active' },
    });
  });

  it('refuses an unknown or deleted job for an active sync', async () => {
    await expect(dbtCloudScheduleComputed(ctx(workspace(cloudSync('a', 9)), 'sync.a'))).rejects.toThrow(
      'sync.a: dbt Cloud job 9 does not exist in account 1234 (dbt_cloud.main)',
    );
    server.world.jobs[0].state = 2;
    await expect(dbtCloudScheduleComputed(ctx(workspace(cloudSync('a', 42)), 'sync.a'))).rejects.toThrow(
      /job 42 \("Nightly build"\) was deleted in dbt Cloud, and the sync is active/,
    );
    await expect(
      dbtCloudScheduleComputed(ctx(workspace(cloudSync('a', 42, { enabled: false })), 'sync.a')),
    ).resolves.toMatchObject({ dbt_cloud_job: { id: 42, state: 'deleted' } });
  });

  it('a wrong key fails the link’s create, naming it', async () => {
    process.env[ENV] = 'wrong';
    await expect(dbtCloudActions.create(ctx(workspace(), 'dbt_cloud.main'))).rejects.toThrow(
      /^dbt_cloud\.main: the API key was rejected by dbt Cloud/,
    );
  });
});
