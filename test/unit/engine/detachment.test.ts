import { desired, pgSource, sqlModel, stateFrom, sync, webhook, planOf } from '../../helpers/builders';

const attached = (lifecycle = {}, model = sqlModel('orders', 'select id from t', {}, lifecycle)) =>
  desired(
    pgSource(),
    webhook(),
    model,
    sync('a', 'orders'),
    sync('b', 'orders', { schedule: { strategy: 'periodic', interval: '1h' } }),
    sync('off', 'orders', { enabled: false }),
  );

describe('the detachment rule', () => {
  const state = stateFrom(attached());

  it('refuses a query change on a model with active syncs, naming every active sync and the ways out', () => {
    const d = attached({}, sqlModel('orders', 'select id from t2'));
    const p = planOf(d, state);
    expect(p.errored).toBe(true);
    const e = p.diagnostics.find((x) => x.address === 'model.orders')!;
    expect(e.summary).toBe('model.orders is attached to 2 active syncs; its query cannot change');
    expect(e.detail).toContain('sync.a (to destination.crm, manual schedule)');
    expect(e.detail).toContain('sync.b (to destination.crm, every 1h)');
    expect(e.detail).not.toContain('sync.off');
    expect(e.detail).toContain('"enabled": false');
    expect(e.detail).toContain('"on_attached_change": "pause"');
    expect(e.file).toBe('backflow.json');
  });

  it('refuses a primary key change and a source change too', () => {
    expect(
      planOf(attached({}, sqlModel('orders', 'select id from t', { primary_key: 'other' })), state).errored,
    ).toBe(true);
    const moved = desired(
      pgSource(),
      pgSource('w2'),
      webhook(),
      sqlModel('orders', 'select id from t', { source: 'w2' }),
      sync('a', 'orders'),
      sync('b', 'orders', { schedule: { strategy: 'periodic', interval: '1h' } }),
      sync('off', 'orders', { enabled: false }),
    );
    const p = planOf(moved, state);
    expect(p.diagnostics.find((x) => x.address === 'model.orders')?.summary).toMatch(
      /its source cannot change/,
    );
  });

  it('allows a display name or description change', () => {
    const p = planOf(
      attached({}, sqlModel('orders', 'select id from t', { name: 'New name', description: 'x' })),
      state,
    );
    expect(p.errored).toBe(false);
  });

  it('allows the change when the same plan disables or removes every active sync, and orders those first', () => {
    const d = desired(
      pgSource(),
      webhook(),
      sqlModel('orders', 'select id from t2'),
      sync('a', 'orders', { enabled: false }),
      sync('off', 'orders', { enabled: false }),
    );
    const p = planOf(d, state);
    expect(p.errored).toBe(false);
    const order = p.resource_changes.map((c) => c.address);
    expect(order.indexOf('sync.a')).toBeLessThan(order.indexOf('model.orders'));
    expect(order.indexOf('sync.b')).toBeLessThan(order.indexOf('model.orders'));
    const model = p.resource_changes.find((c) => c.address === 'model.orders')!;
    expect(model.depends_on).toEqual(expect.arrayContaining(['sync.a', 'sync.b']));
    expect(p.resource_changes.find((c) => c.address === 'sync.a')!.depends_on).not.toContain('model.orders');
  });

  it('still refuses when only some of the syncs are disabled', () => {
    const d = desired(
      pgSource(),
      webhook(),
      sqlModel('orders', 'select id from t2'),
      sync('a', 'orders', { enabled: false }),
      sync('b', 'orders', { schedule: { strategy: 'periodic', interval: '1h' } }),
      sync('off', 'orders', { enabled: false }),
    );
    const p = planOf(d, state);
    const e = p.diagnostics.find((x) => x.address === 'model.orders')!;
    expect(e.summary).toMatch(/1 active sync;/);
    expect(e.detail).toContain('sync.b');
    expect(e.detail).not.toContain('sync.a ');
  });

  it('with on_attached_change "pause" plans an orchestrated pause of the active syncs', () => {
    const p = planOf(
      attached(
        { on_attached_change: 'pause' },
        sqlModel('orders', 'select id from t2', {}, { on_attached_change: 'pause' }),
      ),
      state,
    );
    expect(p.errored).toBe(false);
    expect(p.resource_changes.find((c) => c.address === 'model.orders')!.pause_syncs).toEqual([
      'sync.a',
      'sync.b',
    ]);
  });

  it('ignores syncs that are already paused in state', () => {
    const s = stateFrom(attached());
    s.resources['sync.a'].paused_by = 'model.orders';
    s.resources['sync.b'].attributes.enabled = false;
    const d = desired(
      pgSource(),
      webhook(),
      sqlModel('orders', 'select id from t2'),
      sync('a', 'orders'),
      sync('b', 'orders', { enabled: false, schedule: { strategy: 'periodic', interval: '1h' } }),
      sync('off', 'orders', { enabled: false }),
    );
    expect(planOf(d, s).diagnostics.filter((x) => x.address === 'model.orders')).toEqual([]);
  });
});
