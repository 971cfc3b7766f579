import { summaryLine } from '../../../src/engine/plan';
import {
  desired,
  pgSource,
  resource,
  sqlModel,
  stateFrom,
  sync,
  webhook,
  planOf,
} from '../../helpers/builders';

const base = () => [pgSource(), webhook(), sqlModel('orders', 'select id from t'), sync('s1', 'orders')];

describe('planner', () => {
  it('creates everything in dependency order on an empty state', () => {
    const p = planOf(desired(...base()), null);
    expect(p.resource_changes.map((c) => [c.address, c.action])).toEqual([
      ['source.warehouse', 'create'],
      ['destination.crm', 'create'],
      ['model.orders', 'create'],
      ['sync.s1', 'create'],
    ]);
    expect(p.resource_changes.find((c) => c.address === 'sync.s1')!.depends_on).toEqual([
      'destination.crm',
      'model.orders',
    ]);
    expect(summaryLine(p)).toBe('Plan: 4 to add, 0 to change, 0 to destroy.');
  });

  it('reports no changes when state matches, byte for byte', () => {
    const d = desired(...base());
    const p = planOf(d, stateFrom(d));
    expect(p.resource_changes.every((c) => c.action === 'no-op')).toBe(true);
    expect(summaryLine(p)).toBe('No changes. Your infrastructure matches the configuration.');
  });

  it('updates display attributes in place and lists what changed', () => {
    const d = desired(...base());
    const state = stateFrom(d);
    const d2 = desired(
      pgSource(),
      webhook(),
      sqlModel('orders', 'select id from t', { name: 'Orders!', description: 'new' }),
      sync('s1', 'orders'),
    );
    const c = planOf(d2, state).resource_changes.find((x) => x.address === 'model.orders')!;
    expect(c.action).toBe('update');
    expect(c.changed).toEqual(['description', 'name']);
  });

  it('replaces a model whose source changes, and a source whose warehouse changes', () => {
    const d = desired(pgSource(), pgSource('other'), sqlModel('orders', 'select id from t'));
    const state = stateFrom(d);
    const d2 = desired(
      pgSource('warehouse', { warehouse: 'redshift' }),
      pgSource('other'),
      sqlModel('orders', 'select id from t', { source: 'other' }),
    );
    const p = planOf(d2, state);
    const byAddr = Object.fromEntries(p.resource_changes.map((c) => [c.address, c]));
    expect(byAddr['model.orders'].action).toBe('replace');
    expect(byAddr['model.orders'].replace_paths).toEqual(['source']);
    expect(byAddr['source.warehouse'].action).toBe('replace');
    expect(summaryLine(p)).toBe('Plan: 2 to add, 0 to change, 2 to destroy.');
  });

  it('deletes what left the config, dependents first', () => {
    const d = desired(...base());
    const p = planOf(desired(), stateFrom(d));
    const order = p.resource_changes.map((c) => c.address);
    expect(order.indexOf('sync.s1')).toBeLessThan(order.indexOf('model.orders'));
    expect(order.indexOf('model.orders')).toBeLessThan(order.indexOf('source.warehouse'));
    expect(p.resource_changes.find((c) => c.address === 'model.orders')!.depends_on).toEqual(['sync.s1']);
    expect(summaryLine(p)).toBe('Plan: 0 to add, 0 to change, 4 to destroy.');
  });

  it('destroy mode deletes everything in state and honours prevent_destroy', () => {
    const d = desired(
      pgSource(),
      webhook(),
      sqlModel('orders', 'select id from t', {}, { prevent_destroy: true }),
    );
    const p = planOf(d, stateFrom(d), { mode: 'destroy' });
    expect(p.resource_changes.every((c) => c.action === 'delete')).toBe(true);
    expect(p.errored).toBe(true);
    expect(p.diagnostics[0].summary).toBe('Instance cannot be destroyed: model.orders');
    expect(p.diagnostics[0].path).toBe('$.models.orders.lifecycle.prevent_destroy');
  });

  it('shows a rotated secret as an update without exposing it', () => {
    const secret = (v: string) =>
      resource(
        'destination',
        'crm',
        {
          type: 'webhook',
          url: 'https://x.example',
          headers: { Authorization: { $sensitive: { ref: { env: 'T' }, fingerprint: '' } } },
        },
        { secrets: { 'headers.Authorization': v } },
      );
    const state = stateFrom(desired(secret('old-token-value')));
    const p = planOf(desired(secret('new-token-value')), state);
    const c = p.resource_changes[0];
    expect(c.action).toBe('update');
    expect(c.changed).toEqual(['headers']);
    expect(JSON.stringify(p)).not.toMatch(/old-token-value|new-token-value/);
  });

  it('restricts a plan to targets and their dependencies', () => {
    const p = planOf(desired(...base()), null, { targets: ['model.orders'] });
    expect(p.resource_changes.map((c) => c.address).sort()).toEqual(['model.orders', 'source.warehouse']);
    expect(p.diagnostics.some((d) => d.summary === 'Resource targeting is in effect')).toBe(true);
  });

  it('destroys a target and, transitively, what depended on it in state, and nothing else', () => {
    const d = desired(
      ...base(),
      sqlModel('other', 'select id from u'),
      sync('s2', 'orders'),
      sync('s3', 'other'),
      resource('sync', 's4', {
        model: 'other',
        destination: 'crm',
        enabled: true,
        mode: 'upsert',
        schedule: { strategy: 'after_sync', sync: 's1' },
        mapping: {},
      }),
    );
    const p = planOf(desired(), stateFrom(d), { mode: 'destroy', targets: ['model.orders'] });
    const order = p.resource_changes.map((c) => c.address);
    expect([...order].sort()).toEqual(['model.orders', 'sync.s1', 'sync.s2', 'sync.s4']);
    expect(p.resource_changes.every((c) => c.action === 'delete')).toBe(true);
    // Dependents go first: a sync is destroyed before its model, s4 (after s1) before s1.
    expect(order.indexOf('sync.s1')).toBeLessThan(order.indexOf('model.orders'));
    expect(order.indexOf('sync.s4')).toBeLessThan(order.indexOf('sync.s1'));
  });

  it('refuses an unknown target', () => {
    const p = planOf(desired(...base()), null, { targets: ['model.nope'] });
    expect(p.errored).toBe(true);
  });

  it('repairs a sync left paused by a crashed apply', () => {
    const d = desired(...base());
    const state = stateFrom(d);
    state.resources['sync.s1'].paused_by = 'model.orders';
    const c = planOf(d, state).resource_changes.find((x) => x.address === 'sync.s1')!;
    expect(c.action).toBe('update');
    expect(c.reason).toBe('update_because_sync_left_paused');
  });
});
