/**
 * Pieces of the cdktf front end on their own: reading back JSON paths, and putting synthesized (sorted) keys
 * back in the schemas' order, choosing the right case of a union.
 */
import { jsonPath } from '../../../src/diagnostics';
import { parseJsonPath } from '../../../src/config/cdktf/json-path';
import { inSchemaOrder } from '../../../src/config/cdktf/schema-order';

describe('parseJsonPath', () => {
  it('reads back what jsonPath writes', () => {
    for (const segments of [
      [],
      ['models', 'users', 'primary_key'],
      ['syncs', 'my sync', 'schedule', 'days', 0],
      ['a', 'quote"d\\'],
    ])
      expect(parseJsonPath(jsonPath(segments))).toEqual(segments);
    expect(parseJsonPath('models.x')).toBeUndefined();
  });
});

describe('inSchemaOrder', () => {
  it('orders fields as the schemas list them, per warehouse and per schedule strategy, keeping map keys', () => {
    const sorted = {
      syncs: {
        s: {
          destination: 'd',
          mapping: { z: 'a', b: 'c' },
          model: 'm',
          schedule: { interval: '1h', strategy: 'periodic' },
        },
      },
      sources: {
        pg: { settings: { database: 'd', host: 'h', user: 'u' }, warehouse: 'postgres' },
        sf: { settings: { account: 'a', database: 'd', user: 'u', warehouse: 'w' }, warehouse: 'snowflake' },
      },
      backend: { path: 'p', type: 'local' },
    };
    const text = JSON.stringify(inSchemaOrder(sorted));
    expect(text).toBe(
      JSON.stringify({
        backend: { type: 'local', path: 'p' },
        sources: {
          pg: { warehouse: 'postgres', settings: { host: 'h', database: 'd', user: 'u' } },
          sf: {
            warehouse: 'snowflake',
            settings: { account: 'a', user: 'u', warehouse: 'w', database: 'd' },
          },
        },
        syncs: {
          s: {
            model: 'm',
            destination: 'd',
            schedule: { strategy: 'periodic', interval: '1h' },
            mapping: { z: 'a', b: 'c' },
          },
        },
      }),
    );
  });

  it('keeps fields the schemas do not know at the end, for validation to report', () => {
    expect(
      Object.keys(inSchemaOrder({ models: { m: { zzz: 1, name: 'M', source: 's' } } }) as any).length,
    ).toBe(1);
    expect(
      Object.keys((inSchemaOrder({ models: { m: { zzz: 1, name: 'M', source: 's' } } }) as any).models.m),
    ).toEqual(['source', 'name', 'zzz']);
  });
});
