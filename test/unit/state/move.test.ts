/** `state mv`: references and dependencies follow the object; the tracking name stays. Pure. */
import { trackingTarget } from '../../../src/runs/run-sync';
import { runTarget } from '../../../src/runs/run-target';
import { moveResource } from '../../../src/state/move';
import { desired, pgSource, sqlModel, stateFrom, sync, webhook } from '../../helpers/builders';

const state = () =>
  stateFrom(desired(pgSource(), webhook(), sqlModel('orders', 'select id from t'), sync('s1', 'orders')));

test('moves a model: the sync reading it and its dependencies point at the new name', () => {
  const s = state();
  const moved = moveResource(s, 'model.orders', 'model.big_orders');
  expect(moved.resources['model.orders']).toBeUndefined();
  expect(moved.resources['model.big_orders']).toMatchObject({ name: 'big_orders', tracking_key: 'orders' });
  expect(moved.resources['sync.s1'].attributes.model).toBe('big_orders');
  expect(moved.resources['sync.s1'].dependencies).toContain('model.big_orders');
  expect(moved.resources['sync.s1'].dependencies).not.toContain('model.orders');
  // The input is not modified, and a second move keeps the first name.
  expect(s.resources['model.orders']).toBeDefined();
  const twice = moveResource(moved, 'model.big_orders', 'model.largest');
  expect(twice.resources['model.largest'].tracking_key).toBe('orders');
});

test('a moved sync runs under the tracking it had', () => {
  const s = state();
  // What an apply records for a described model.
  s.resources['model.orders'].computed = { columns: [{ name: 'id', type: 'bigint' }], primary_key: 'id' };
  const moved = moveResource(s, 'sync.s1', 'sync.s2');
  const target = runTarget(moved, 's2');
  expect(trackingTarget(target).sync).toBe('s1');
});

test('refuses a move across types, onto a taken address, or of nothing', () => {
  const s = state();
  expect(() => moveResource(s, 'model.orders', 'sync.orders')).toThrow('the resource types differ');
  expect(() => moveResource(s, 'sync.s1', 'sync.s1')).toThrow('is already in state');
  expect(() => moveResource(s, 'model.nope', 'model.x')).toThrow('No instance found');
  expect(() => moveResource(s, 'orders', 'model.x')).toThrow('is not a resource address');
});
