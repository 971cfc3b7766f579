import { DESIGN_EXAMPLE } from './example';
import { baseConfig, cleanFixtures, fixture, load, positionOf, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

describe('references', () => {
  it('reports a reference to nothing, with the closest name', async () => {
    const dir = fixture({
      'backflow.json': DESIGN_EXAMPLE.replace(
        '"source": "warehouse", "name": "Active users"',
        '"source": "warehose", "name": "Active users"',
      ),
    });
    const found = await problems(dir);
    expect(summaries(found)).toEqual([
      'model.active_users: source "warehose" does not exist; did you mean "warehouse"?',
    ]);
    expect(found[0]).toMatchObject({
      path: '$.models.active_users.source',
      address: 'model.active_users',
      ...positionOf(dir, 'backflow.json', '"warehose"'),
    });
  });

  it('lists what is declared when nothing is close', async () => {
    const c = baseConfig();
    (c.syncs.orders as Record<string, unknown>).destination = 'zzz';
    const [d] = await problems(fixture({ 'backflow.json': c }));
    expect(d.summary).toBe('sync.orders: destination "zzz" does not exist');
    expect(d.detail).toBe('Declared: destination.crm.');
  });

  it('names the first declared names and counts the rest when nothing is close', async () => {
    const c = baseConfig();
    for (let i = 0; i < 30; i++)
      c.destinations[`hook_${String(i).padStart(2, '0')}`] = {
        type: 'webhook',
        url: 'https://hooks.example.com/x',
      };
    (c.syncs.orders as Record<string, unknown>).destination = 'zzz';
    const [d] = await problems(fixture({ 'backflow.json': c }));
    expect(d.summary).toBe('sync.orders: destination "zzz" does not exist');
    expect(d.detail).toBe(
      'Declared: destination.crm, destination.hook_00, destination.hook_01, destination.hook_02, destination.hook_03, ' +
        'destination.hook_04, destination.hook_05, destination.hook_06, destination.hook_07, destination.hook_08 and 21 more.',
    );
  });

  it('reports every broken reference of a large config, each with a bounded message', async () => {
    const c = baseConfig();
    const models: Record<string, unknown> = {};
    const syncs: Record<string, unknown> = { typo: { model: 'm_00O1', destination: 'crm' } };
    for (let i = 0; i < 2000; i++) {
      const n = String(i).padStart(4, '0');
      models[`m_${n}`] = { source: 'warehouse', name: `M ${n}`, query: 'select 1 as id', primary_key: 'id' };
      syncs[`s_${n}`] = { model: `gone_${n}`, destination: 'crm' };
    }
    c.models = models;
    c.syncs = syncs;
    const found = await problems(fixture({ 'backflow.json': c }));
    expect(found).toHaveLength(2001);
    expect(found[1].summary).toBe('sync.s_0000: model "gone_0000" does not exist');
    expect(found[1].detail).toMatch(/^Declared: model\.m_0000, .* and 1,990 more\.$/);
    expect(found.every((d) => (d.detail ?? '').length < 300)).toBe(true);
    // Suggestions are bounded work, not switched off: the first misspelling still finds its name.
    expect(found.find((d) => d.address === 'sync.typo')!.summary).toBe(
      'sync.typo: model "m_00O1" does not exist; did you mean "m_0001"?',
    );
  });

  it('reports a name that belongs to another type', async () => {
    const c = baseConfig();
    (c.syncs.orders as Record<string, unknown>).model = 'crm';
    const [d] = await problems(fixture({ 'backflow.json': c }));
    expect(d.summary).toBe('sync.orders: model "crm" does not exist');
    expect(d.detail).toBe('"crm" is a destination, not a model.');
  });

  it('accepts an address of the right type and keeps the name', async () => {
    const c = baseConfig();
    (c.syncs.orders as Record<string, unknown>).model = 'model.big_orders';
    const sync = (await load(fixture({ 'backflow.json': c }))).resources.get('sync.orders')!;
    expect(sync.attributes.model).toBe('big_orders');
    expect(sync.dependsOn).toEqual(['model.big_orders', 'destination.crm']);
  });

  it('reports an address of the wrong type', async () => {
    const c = baseConfig();
    (c.syncs.orders as Record<string, unknown>).destination = 'source.warehouse';
    expect(summaries(await problems(fixture({ 'backflow.json': c })))).toEqual([
      'sync.orders: destination must reference a destination, but "source.warehouse" is a source',
    ]);
  });

  it('does not report references to a resource that has schema errors of its own', async () => {
    const c = baseConfig();
    (c.destinations.crm as Record<string, unknown>).url = 42;
    expect(summaries(await problems(fixture({ 'backflow.json': c })))).toEqual([
      'wrong type for "url": expected string, got integer',
    ]);
  });

  it('requires a dbt model to come from a Git sync of the same source', async () => {
    const text = DESIGN_EXAMPLE.replace(
      '"sources": {',
      '"sources": {\n    "other": { "warehouse": "bigquery", "settings": { "project_id": "p" } },',
    ).replace('"source": "warehouse", "name": "Active users"', '"source": "other", "name": "Active users"');
    expect(summaries(await problems(fixture({ 'backflow.json': text })))).toEqual([
      'model.active_users: git_sync "analytics" belongs to source "warehouse", but the model reads source "other"',
    ]);
  });
});

describe('cycles', () => {
  it('reports a cycle through after_sync schedules with the whole chain', async () => {
    const c = baseConfig();
    c.syncs = {
      a: { model: 'big_orders', destination: 'crm', schedule: { strategy: 'after_sync', sync: 'b' } },
      b: { model: 'big_orders', destination: 'crm', schedule: { strategy: 'after_sync', sync: 'c' } },
      c: { model: 'big_orders', destination: 'crm', schedule: { strategy: 'after_sync', sync: 'a' } },
    };
    const found = await problems(fixture({ 'backflow.json': c }));
    expect(summaries(found)).toEqual(['dependency cycle: sync.a -> sync.b -> sync.c -> sync.a']);
    expect(found[0]).toMatchObject({ address: 'sync.a', path: '$.syncs.a.schedule.sync' });
  });

  it('names the first hops of a ring of 500 syncs and counts the rest, at the reference that closes it', async () => {
    const c = baseConfig();
    const names = Array.from({ length: 500 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    c.syncs = Object.fromEntries(
      names.map((name, i) => [
        name,
        {
          model: 'big_orders',
          destination: 'crm',
          schedule: { strategy: 'after_sync', sync: names[(i + 1) % names.length] },
        },
      ]),
    );
    const found = await problems(fixture({ 'backflow.json': c }));
    expect(found).toHaveLength(1);
    const first = names
      .slice(0, 10)
      .map((n) => `sync.${n}`)
      .join(' -> ');
    expect(summaries(found)).toEqual([
      `dependency cycle: ${first} -> … (489 more) … -> sync.s499 -> sync.s000`,
    ]);
    expect(found[0]).toMatchObject({ address: 'sync.s000', path: '$.syncs.s000.schedule.sync' });
  });

  it('reports a sync scheduled after itself once, not as a cycle', async () => {
    const c = baseConfig();
    (c.syncs.orders as Record<string, unknown>).schedule = { strategy: 'after_sync', sync: 'orders' };
    expect(summaries(await problems(fixture({ 'backflow.json': c })))).toEqual([
      'sync.orders: schedule.sync points at the sync itself',
    ]);
  });
});
