import { DESIGN_EXAMPLE } from './example';
import { baseConfig, cleanFixtures, fixture, load, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

const withModel = (model: Record<string, unknown>) => {
  const c = baseConfig();
  c.models.big_orders = { source: 'warehouse', name: 'Big orders', ...model };
  return fixture({ 'backflow.json': c });
};

describe('models', () => {
  it('rejects both query and dbt_model', async () => {
    const text = DESIGN_EXAMPLE.replace(
      '"dbt_model": { "git_sync": "analytics", "name": "active_users" },',
      '"dbt_model": { "git_sync": "analytics", "name": "active_users" }, "query": "select 1",',
    );
    const found = await problems(fixture({ 'backflow.json': text }));
    expect(summaries(found)).toEqual(['model.active_users: give either query or dbt_model, not both']);
    expect(found[0].path).toBe('$.models.active_users.dbt_model');
  });

  it('rejects neither query nor dbt_model', async () => {
    const found = await problems(withModel({ primary_key: 'id' }));
    expect(summaries(found)).toEqual(['model.big_orders: give one of query or dbt_model']);
    expect(found[0]).toMatchObject({ path: '$.models.big_orders', address: 'model.big_orders' });
  });

  it('requires primary_key with a query', async () => {
    const found = await problems(withModel({ query: 'select 1 as id' }));
    expect(summaries(found)).toEqual(['model.big_orders: a query model needs primary_key']);
    expect(found[0].detail).toMatch(/unique and not null/);
  });

  it('lets a dbt model leave primary_key to the dbt project', async () => {
    const text = DESIGN_EXAMPLE.replace('"primary_key": "user_id", ', '');
    const state = await load(fixture({ 'backflow.json': text }));
    expect(state.resources.get('model.active_users')!.attributes.primary_key).toBeUndefined();
  });

  it('accepts a versioned dbt model, by string or integer', async () => {
    const text = DESIGN_EXAMPLE.replace('"name": "active_users" }', '"name": "active_users", "version": 2 }');
    const state = await load(fixture({ 'backflow.json': text }));
    expect(state.resources.get('model.active_users')!.attributes.dbt_model).toEqual({
      git_sync: 'analytics',
      name: 'active_users',
      version: 2,
    });
  });

  it('takes lifecycle settings apart from the attributes', async () => {
    const state = await load(
      withModel({ query: 'select 1 as id', primary_key: 'id', lifecycle: { on_attached_change: 'pause' } }),
    );
    const model = state.resources.get('model.big_orders')!;
    expect(model.lifecycle).toEqual({ on_attached_change: 'pause', prevent_destroy: false });
    expect(model.attributes).not.toHaveProperty('lifecycle');
  });

  it('allows on_attached_change only on models', async () => {
    const c = baseConfig();
    (c.syncs.orders as Record<string, unknown>).lifecycle = { on_attached_change: 'pause' };
    expect(summaries(await problems(fixture({ 'backflow.json': c })))).toEqual([
      'unknown field "on_attached_change"',
    ]);
  });
});
