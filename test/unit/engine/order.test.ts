import { topoSort } from '../../../src/graph/order';

describe('topoSort', () => {
  it('orders dependencies first and keeps input order otherwise', () => {
    const deps: Record<string, string[]> = { a: ['b'], b: [], c: [] };
    expect(topoSort(['a', 'b', 'c'], (n) => deps[n]).order).toEqual(['b', 'a', 'c']);
  });

  it('reports a cycle with its chain, once', () => {
    const deps: Record<string, string[]> = {
      'sync.a': ['sync.b'],
      'sync.b': ['sync.c'],
      'sync.c': ['sync.a'],
    };
    const { cycles } = topoSort(Object.keys(deps), (n) => deps[n]);
    expect(cycles).toEqual([{ chain: ['sync.a', 'sync.b', 'sync.c', 'sync.a'] }]);
  });

  it('handles 50,000 nodes in a chain without overflowing the stack', () => {
    const n = 50000;
    const nodes = Array.from({ length: n }, (_, i) => `m${i}`);
    const { order } = topoSort(nodes, (x) => (x === 'm0' ? [] : [`m${Number(x.slice(1)) - 1}`]));
    expect(order[0]).toBe('m0');
    expect(order[n - 1]).toBe(`m${n - 1}`);
  });
});
