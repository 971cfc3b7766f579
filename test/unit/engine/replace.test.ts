/** `-replace=ADDR`: Terraform's forced replacement, shown as "will be replaced, as requested". */
import { renderHuman } from '../../../src/render/human';
import { renderMarkdown } from '../../../src/render/markdown';
import { desired, pgSource, planOf, sqlModel, stateFrom, sync, webhook } from '../../helpers/builders';

const d = desired(pgSource(), webhook(), sqlModel('orders', 'select id from t'), sync('s1', 'orders'));

test('replaces an unchanged object on request, and says so as Terraform does', () => {
  const p = planOf(d, stateFrom(d), { replace: ['model.orders'] });
  const c = p.resource_changes.find((x) => x.address === 'model.orders')!;
  expect(c.action).toBe('replace');
  expect(c.reason).toBe('replace_by_request');
  expect(p.errored).toBe(false);
  expect(p.options.replace).toEqual(['model.orders']);
  expect(p.summary).toEqual({ add: 1, change: 0, destroy: 1 });
  const text = renderHuman(p, { color: false });
  expect(text).toContain('  # model.orders will be replaced, as requested');
  expect(text).not.toContain('because by request');
  expect(renderMarkdown(p, {})).toContain('will be replaced, as requested');
  // The sync reading the model is untouched: only what was asked for is replaced.
  expect(p.resource_changes.find((x) => x.address === 'sync.s1')!.action).toBe('no-op');
});

test('an address not in both config and state is an error naming it', () => {
  const p = planOf(d, stateFrom(d), { replace: ['model.nope'] });
  expect(p.errored).toBe(true);
  expect(p.diagnostics.map((x) => x.summary)).toContain(
    '-replace model.nope: no such object in both configuration and state',
  );
  const fresh = planOf(d, null, { replace: ['model.orders'] });
  expect(fresh.errored).toBe(true);
});
