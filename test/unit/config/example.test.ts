import { join } from 'node:path';
import { isSensitive } from '../../../src/config/secrets';
import { DESIGN_EXAMPLE } from './example';
import { cleanFixtures, EXAMPLE_ENV, fixture, load } from './fixtures';

afterEach(cleanFixtures);

describe('the DESIGN.md example, verbatim', () => {
  it('validates and normalises every resource in declaration order', async () => {
    const dir = fixture({ 'backflow.json': DESIGN_EXAMPLE });
    const state = await load(dir);
    expect([...state.resources.keys()]).toEqual([
      'source.warehouse',
      'git_sync.analytics',
      'dbt_cloud.main',
      'model.active_users',
      'model.big_orders',
      'destination.crm',
      'sync.users_to_crm',
      'sync.orders_hourly',
    ]);
    expect(state.configDir).toBe(dir);
    expect(state.files).toEqual([join(dir, 'backflow.json')]);
    expect(state.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(state.backend).toEqual({ type: 'local', path: join(dir, '.backflow', 'state.json') });
    expect(state.warnings).toEqual([]);
  });

  it('fills defaults, splits lifecycle off and keeps references as names', async () => {
    const state = await load(fixture({ 'backflow.json': DESIGN_EXAMPLE }));
    const r = (a: string) => state.resources.get(a)!;

    expect(r('model.big_orders').attributes).toEqual({
      source: 'warehouse',
      name: 'Big orders',
      description: '',
      query: 'select order_id, customer_id, amount from analytics.orders where amount > 1000',
      primary_key: 'order_id',
      enabled: true,
    });
    expect(r('model.big_orders').lifecycle).toEqual({ on_attached_change: 'fail', prevent_destroy: false });
    expect(r('model.active_users').attributes).toMatchObject({
      description: 'Users seen in the last 30 days',
      dbt_model: { git_sync: 'analytics', name: 'active_users' },
    });
    expect(r('sync.users_to_crm').attributes).toEqual({
      model: 'active_users',
      destination: 'crm',
      enabled: true,
      mode: 'upsert',
      schedule: { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: 42 },
      mapping: {},
    });
    expect(r('git_sync.analytics').attributes).toMatchObject({
      service: 'github',
      protocol: 'https',
      branch: 'main',
      dbt_version: '1.7',
      project_path: '.',
    });
    expect(r('source.warehouse').attributes).toMatchObject({
      warehouse: 'postgres',
      settings: { host: '127.0.0.1', port: 5432, sslmode: 'disable' },
      managed_schema: '__segment_reverse_etl',
    });
    expect(r('dbt_cloud.main').attributes).toMatchObject({
      account_id: 1234,
      access_url: 'https://ab123.us1.dbt.com',
    });
  });

  it('computes dependencies from references', async () => {
    const state = await load(fixture({ 'backflow.json': DESIGN_EXAMPLE }));
    const deps = Object.fromEntries([...state.resources.values()].map((r) => [r.address, r.dependsOn]));
    expect(deps).toEqual({
      'source.warehouse': [],
      'git_sync.analytics': ['source.warehouse'],
      'dbt_cloud.main': [],
      'model.active_users': ['source.warehouse', 'git_sync.analytics'],
      'model.big_orders': ['source.warehouse'],
      'destination.crm': [],
      'sync.users_to_crm': ['model.active_users', 'destination.crm', 'dbt_cloud.main'],
      'sync.orders_hourly': ['model.big_orders', 'destination.crm'],
    });
  });

  it('records where each resource was declared', async () => {
    const state = await load(fixture({ 'backflow.json': DESIGN_EXAMPLE }));
    expect(state.resources.get('model.big_orders')!.origin).toEqual({
      file: 'backflow.json',
      path: '$.models.big_orders',
      line: 29,
      column: 5,
    });
  });

  it('turns secrets into markers and keeps their values only in the secrets map', async () => {
    const state = await load(fixture({ 'backflow.json': DESIGN_EXAMPLE }));
    const r = (a: string) => state.resources.get(a)!;
    expect(r('source.warehouse').attributes.settings).toMatchObject({
      password: { $sensitive: { ref: { env: 'WAREHOUSE_PASSWORD' }, fingerprint: '' } },
    });
    expect(
      isSensitive((r('destination.crm').attributes.headers as Record<string, unknown>).Authorization),
    ).toBe(true);
    expect([...r('source.warehouse').secrets]).toEqual([
      ['settings.password', EXAMPLE_ENV.WAREHOUSE_PASSWORD],
    ]);
    expect([...r('git_sync.analytics').secrets]).toEqual([['credentials.token', EXAMPLE_ENV.GIT_TOKEN]]);
    expect([...r('dbt_cloud.main').secrets]).toEqual([['api_key', EXAMPLE_ENV.DBT_CLOUD_API_KEY]]);
    expect([...r('destination.crm').secrets]).toEqual([['headers.Authorization', EXAMPLE_ENV.CRM_TOKEN]]);

    const everythingButSecrets = JSON.stringify(
      [...state.resources.values()].map(({ secrets: _s, ...rest }) => rest),
    );
    for (const value of Object.values(EXAMPLE_ENV)) expect(everythingButSecrets).not.toContain(value);
  });
});
