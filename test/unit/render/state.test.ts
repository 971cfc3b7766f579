import { renderStateHuman, renderStateJson, toJsonState } from '../../../src/render/state';
import { resource, stateWith } from '../state/builders';

describe('the state for `backflow show`', () => {
  const state = stateWith(1, 4);
  state.resources['sync.s'] = {
    ...resource('sync', 's', { model: 'm0', enabled: true }),
    paused_by: 'model.m0',
  };

  it('as JSON, shaped like `terraform show -json`, secrets removed and marked', () => {
    const json = toJsonState(state);
    expect(json).toMatchObject({ format_version: '1.0', lineage: state.lineage, serial: 4 });
    const [m0, source, sync] = json.values!.root_module.resources;
    expect([m0.address, source.address, sync.address]).toEqual(['model.m0', 'source.warehouse', 'sync.s']);
    expect(source).toEqual({
      address: 'source.warehouse',
      mode: 'managed',
      type: 'source',
      name: 'warehouse',
      schema_version: 0,
      values: {
        name: 'warehouse',
        warehouse: 'postgres',
        settings: { host: '127.0.0.1' },
        sql_hash: 'sha256:warehouse',
      },
      sensitive_values: { settings: { password: true } },
      depends_on: [],
    });
    expect(sync.paused_by).toBe('model.m0');
    expect(renderStateJson(state)).not.toMatch(/fingerprint|hmac|\$sensitive|"PW"/);
  });

  it('as text, one block per resource, secrets as (sensitive value)', () => {
    const text = renderStateHuman(state);
    expect(text).toContain(
      [
        '# source.warehouse:',
        'resource "source" "warehouse" {',
        '    name      = "warehouse"',
        '    settings  = {',
        '        host     = "127.0.0.1"',
        '        password = (sensitive value)',
        '    }',
        '    sql_hash  = "sha256:warehouse"',
        '    warehouse = "postgres"',
        '}',
      ].join('\n'),
    );
    expect(text).toContain('# sync.s:\n# (paused by model.m0)\nresource "sync" "s" {');
    expect(text).not.toMatch(/^ *[+~-] /m);
    expect(text).not.toMatch(/hmac|\$sensitive/);
  });

  it('says when there is none', () => {
    expect(renderStateHuman(null)).toBe('No state.');
    expect(renderStateHuman({ ...stateWith(0, 1), resources: {} })).toBe('No state.');
    expect(toJsonState(null)).toEqual({ format_version: '1.0' });
  });
});
