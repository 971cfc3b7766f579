/**
 * The construct library synthesizes config-shaped attributes under `resource.backflow_<type>.<id>`, with
 * references as `${backflow_<type>.<name>.id}` tokens, whatever the nesting of constructs.
 */
import { Construct } from 'constructs';
import {
  Backend,
  DbtCloud,
  Destination,
  GitSync,
  Model,
  Schedule,
  Secret,
  Source,
  Sync,
} from '../../../src/constructs';
import { REFERENCE_FIELDS } from '../../../src/graph/references';
import { RESOURCE_TYPES } from '../../../src/graph/address';
import { stackJson, synthStack } from '../../helpers/cdktf';

const settings = { host: '127.0.0.1', database: 'analytics', user: 'retl', password: Secret.env('PW') };

describe('construct library', () => {
  it('synthesizes each resource with its config attributes and references as id tokens', () => {
    const out = synthStack('production', (stack) => {
      const etl = new Construct(stack, 'etl');
      const warehouse = new Source(etl, 'warehouse', { warehouse: 'postgres', settings });
      const cloud = new DbtCloud(etl, 'main', { account_id: 7, api_key: Secret.file('~/.dbt-key') });
      const git = new GitSync(etl, 'analytics', {
        source: warehouse,
        repository: './dbt',
        default_schema: 'analytics',
        manifest: { dbt_cloud: cloud, job_id: 3 },
      });
      const users = new Model(etl, 'users', {
        source: warehouse,
        name: 'Users',
        dbt_model: git.model('users', 2),
        primary_key: 'id',
      });
      const crm = new Destination(etl, 'crm', { type: 'webhook', url: 'https://hooks.example.com/x' });
      const first = new Sync(etl, 'first', {
        model: users,
        destination: crm,
        schedule: Schedule.dbtCloud(cloud, 42),
      });
      new Sync(etl, 'second', { model: users, destination: crm, schedule: Schedule.afterSync(first) });
    });
    const json = stackJson(out, 'production');
    const r = json.resource;
    expect(Object.keys(r).sort()).toEqual([
      'backflow_dbt_cloud',
      'backflow_destination',
      'backflow_git_sync',
      'backflow_model',
      'backflow_source',
      'backflow_sync',
    ]);
    // Names are construct ids, not cdktf's hashed ids of nested constructs; metadata keeps the path.
    expect(r.backflow_model.users['//'].metadata.path).toBe('production/etl/users');
    const { '//': _meta, ...model } = r.backflow_model.users;
    expect(model).toEqual({
      source: '${backflow_source.warehouse.id}',
      name: 'Users',
      dbt_model: { git_sync: '${backflow_git_sync.analytics.id}', name: 'users', version: 2 },
      primary_key: 'id',
    });
    expect(r.backflow_git_sync.analytics.manifest).toEqual({
      dbt_cloud: '${backflow_dbt_cloud.main.id}',
      job_id: 3,
    });
    expect(r.backflow_dbt_cloud.main.api_key).toEqual({ file: '~/.dbt-key' });
    expect(r.backflow_source.warehouse.settings.password).toEqual({ env: 'PW' });
    expect(r.backflow_sync.first.schedule).toEqual({
      strategy: 'dbt_cloud',
      dbt_cloud: '${backflow_dbt_cloud.main.id}',
      job_id: 42,
    });
    expect(r.backflow_sync.second.schedule).toEqual({
      strategy: 'after_sync',
      sync: '${backflow_sync.first.id}',
    });
    // No provider block: the resources are provider-less.
    expect(json.provider).toBeUndefined();
  });

  it('has a helper for every schedule strategy', () => {
    expect(Schedule.manual()).toEqual({ strategy: 'manual' });
    expect(Schedule.periodic('1h')).toEqual({ strategy: 'periodic', interval: '1h' });
    expect(
      Schedule.specificDays({ days: ['mon', 'thu'], hours: [6, 18], timezone: 'Europe/Berlin' }),
    ).toEqual({
      strategy: 'specific_days',
      days: ['mon', 'thu'],
      hours: [6, 18],
      timezone: 'Europe/Berlin',
    });
    expect(Schedule.cron('0 */2 * * *', 'UTC')).toEqual({
      strategy: 'cron',
      expression: '0 */2 * * *',
      timezone: 'UTC',
    });
    expect(Schedule.cron('0 6 * * *')).toEqual({ strategy: 'cron', expression: '0 6 * * *' });
  });

  it('exposes the address and a reference token', () => {
    synthStack('s', (stack) => {
      const warehouse = new Source(stack, 'warehouse', { warehouse: 'postgres', settings });
      expect(warehouse.address).toBe('source.warehouse');
      expect(warehouse.resourceName).toBe('warehouse');
      expect(warehouse.terraformResourceType).toBe('backflow_source');
      expect(warehouse.ref).toMatch(/\$\{TfToken\[/);
    });
  });

  it('refuses the same name twice in a stack, naming both construct paths', () => {
    expect(() =>
      synthStack('production', (stack) => {
        new Destination(new Construct(stack, 'a'), 'crm', { type: 'webhook', url: 'https://x.example.com' });
        new Destination(new Construct(stack, 'b'), 'crm', { type: 'webhook', url: 'https://y.example.com' });
      }),
    ).toThrow(
      /destination\.crm is declared twice in stack "production": at production\/a\/crm and at production\/b\/crm/,
    );
  });

  it('allows one backend per stack', () => {
    const out = synthStack('production', (stack) => {
      new Backend(stack, 'state', { type: 'pg', connection_string: Secret.env('STATE_URL') });
    });
    expect(stackJson(out, 'production').resource.backflow_backend.state).toMatchObject({
      type: 'pg',
      connection_string: { env: 'STATE_URL' },
    });
    expect(() =>
      synthStack('production', (stack) => {
        new Backend(stack, 'one', { type: 'local' });
        new Backend(stack, 'two', { type: 'local' });
      }),
    ).toThrow(/backend is declared twice/);
  });

  it('types references by field name: every reference field is named after its target type', () => {
    // props.ts maps a string field named after a resource type to that type's construct; this is the
    // invariant that makes it right for every entry of REFERENCE_FIELDS.
    for (const type of RESOURCE_TYPES)
      for (const field of REFERENCE_FIELDS[type])
        expect(field.path[field.path.length - 1]).toBe(field.target);
  });
});
