import { UserError } from '../../../src/errors';
import {
  getResource,
  isEmptyState,
  newState,
  parseState,
  resourceAddresses,
  resourcesOfType,
  serializeState,
} from '../../../src/state/state';
import { BACKFLOW_VERSION } from '../../../src/version';
import { resource, stateWith } from './builders';
import { shown } from './backend-suite';

describe('newState', () => {
  it('starts at serial 0 with a random lineage and a 32-byte salt', () => {
    const a = newState();
    const b = newState();
    expect(a).toMatchObject({
      format_version: 1,
      backflow_version: BACKFLOW_VERSION,
      serial: 0,
      resources: {},
    });
    expect(a.lineage).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(a.lineage).not.toBe(b.lineage);
    expect(a.salt).not.toBe(b.salt);
  });
});

describe('serializeState', () => {
  it('is byte-identical whatever order keys were built in, 2-space JSON ending in a newline', () => {
    const s = stateWith(2, 3);
    const shuffled = JSON.parse(JSON.stringify(s, Object.keys(s).reverse()));
    shuffled.resources = Object.fromEntries(Object.entries(s.resources).reverse());
    shuffled.resources['model.m0'].attributes = { primary_key: 'id', query: 'select * from t0', name: 'm0' };
    expect(serializeState(shuffled)).toBe(serializeState(s));
    const text = serializeState(s);
    expect(text.endsWith('\n')).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'format_version',
      'backflow_version',
      'lineage',
      'serial',
      'salt',
      'resources',
    ]);
    expect(Object.keys(JSON.parse(text).resources)).toEqual(['model.m0', 'model.m1', 'source.warehouse']);
    expect(parseState(text, 'x')).toEqual(s);
  });
});

describe('parseState', () => {
  const valid = serializeState(stateWith(1, 1));
  const withField = (patch: (raw: Record<string, unknown>) => void): string => {
    const raw = JSON.parse(valid);
    patch(raw);
    return JSON.stringify(raw);
  };

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['an array', '[]', /not a JSON object/],
    ['a bad serial', withField((r) => (r.serial = -1)), /serial/],
    ['no lineage', withField((r) => delete r.lineage), /lineage/],
    [
      'a resource under the wrong address',
      withField((r) => ((r.resources as Record<string, unknown>)['model.x'] = resource('model', 'y'))),
      /model\.x/,
    ],
    [
      'an unknown type',
      withField(
        (r) =>
          ((r.resources as Record<string, unknown>)['table.x'] = {
            ...resource('model', 'x'),
            type: 'table',
          }),
      ),
      /unknown type/,
    ],
    ['an old format', withField((r) => (r.format_version = 0)), /format_version is 0/],
  ])('calls a state with %s corrupt, names the file and points at the backup', (_what, text, reason) => {
    let err: unknown;
    try {
      parseState(text, '/ws/.backflow/state.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^State file \/ws\/\.backflow\/state\.json is corrupt: /);
    expect((err as Error).message).toMatch(reason);
    expect(shown(err)).toContain('cp /ws/.backflow/state.json.backup /ws/.backflow/state.json');
  });

  it('asks for an upgrade for a newer format, whatever its shape', () => {
    const text = JSON.stringify({ format_version: 2, backflow_version: '3.0.0' });
    expect(() => parseState(text, 'state.json')).toThrow(
      `State file state.json was written by Backflow 3.0.0 (format 2); this is Backflow ${BACKFLOW_VERSION} (format 1): upgrade`,
    );
  });
});

describe('accessors', () => {
  const s = stateWith(2, 1);
  it('reads resources by address and type', () => {
    expect(resourceAddresses(s)).toEqual(['model.m0', 'model.m1', 'source.warehouse']);
    expect(getResource(s, 'model.m1')?.name).toBe('m1');
    expect(getResource(s, 'toString')).toBeUndefined();
    expect(resourcesOfType(s, 'model').map((r) => r.name)).toEqual(['m0', 'm1']);
    expect(isEmptyState(null)).toBe(true);
    expect(isEmptyState(newState())).toBe(true);
    expect(isEmptyState(s)).toBe(false);
  });
});
