import { baseConfig, cleanFixtures, fixture, load, positionOf, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

/** Pretty-printed base config with `edit` applied: line numbers in assertions refer to this layout. */
function withEdit(edit: (c: ReturnType<typeof baseConfig>) => void): string {
  const c = baseConfig();
  edit(c);
  return fixture({ 'backflow.json': c });
}

describe('schema validation', () => {
  it('catches an unknown field and suggests the right one, pointing at the key', async () => {
    const dir = withEdit((c) => {
      const m = c.models.big_orders as Record<string, unknown>;
      delete m.primary_key;
      m.primay_key = 'order_id';
    });
    const found = await problems(dir);
    expect(summaries(found)).toEqual(['unknown field "primay_key"; did you mean "primary_key"?']);
    expect(found[0]).toMatchObject({
      file: 'backflow.json',
      path: '$.models.big_orders',
      address: 'model.big_orders',
      ...positionOf(dir, 'backflow.json', '"primay_key"'),
    });
    expect(found[0].detail).toContain(
      'Fields allowed here: source, name, description, query, dbt_model, primary_key',
    );
  });

  it('catches an unknown top-level section', async () => {
    const found = await problems(withEdit((c) => ((c as Record<string, unknown>).model = {})));
    expect(summaries(found)).toEqual(['unknown field "model"; did you mean "models"?']);
  });

  it('reports a wrong type with what was expected and what was found', async () => {
    const dir = withEdit(
      (c) => ((c.sources.warehouse as { settings: Record<string, unknown> }).settings.port = '5432'),
    );
    const found = await problems(dir);
    expect(summaries(found)).toEqual(['wrong type for "port": expected integer, got string']);
    expect(found[0].path).toBe('$.sources.warehouse.settings.port');
    expect(found[0]).toMatchObject(positionOf(dir, 'backflow.json', '"5432"'));
  });

  it('lists the allowed values of an enum and suggests the closest', async () => {
    const dir = withEdit((c) => ((c.sources.warehouse as Record<string, unknown>).warehouse = 'postgress'));
    expect(summaries(await problems(dir))).toEqual([
      'invalid value "postgress" for "warehouse": expected one of postgres, redshift, snowflake, bigquery, databricks; did you mean "postgres"?',
    ]);
  });

  it('reports a missing required field once per object, with the fields allowed there', async () => {
    const dir = withEdit((c) => {
      const d = c.destinations.crm as Record<string, unknown>;
      delete d.url;
    });
    const found = await problems(dir);
    expect(summaries(found)).toEqual(['missing required field "url"']);
    expect(found[0]).toMatchObject({ path: '$.destinations.crm', address: 'destination.crm' });
  });

  it('rejects a secret written as a literal, without echoing it', async () => {
    const dir = withEdit(
      (c) =>
        ((c.sources.warehouse as { settings: Record<string, unknown> }).settings.password =
          'hunter2-literal'),
    );
    const found = await problems(dir);
    expect(summaries(found)).toEqual(['"password" must be a secret reference, not a string']);
    expect(JSON.stringify(found)).not.toContain('hunter2-literal');
  });

  it('explains a malformed secret reference', async () => {
    const dir = withEdit(
      (c) =>
        ((c.sources.warehouse as { settings: Record<string, unknown> }).settings.password = { evn: 'X' }),
    );
    expect(summaries(await problems(dir))).toEqual([
      'invalid secret reference for "password": unknown key "evn"; did you mean "env"?',
    ]);
    const both = withEdit(
      (c) =>
        ((c.sources.warehouse as { settings: Record<string, unknown> }).settings.password = {
          env: 'X',
          file: 'y',
        }),
    );
    expect(summaries(await problems(both))).toEqual([
      'invalid secret reference for "password": give exactly one of "env" or "file"',
    ]);
  });

  it('gives one message for a header that is neither a string nor a secret', async () => {
    const dir = withEdit(
      (c) => ((c.destinations.crm as Record<string, unknown>).headers = { 'X-Retries': 3 }),
    );
    expect(summaries(await problems(dir))).toEqual([
      'wrong type for "X-Retries": expected string or a secret reference, got integer',
    ]);
  });

  it('shows only the useful error of an if/then case', async () => {
    const dir = withEdit(
      (c) => ((c.syncs.orders as Record<string, unknown>).schedule = { strategy: 'manual', interval: '1h' }),
    );
    const found = await problems(dir);
    expect(summaries(found)).toEqual(['unknown field "interval"']);
    expect(found[0].detail).toBe('Fields allowed here: strategy.');
  });

  it('checks settings by warehouse', async () => {
    const dir = withEdit((c) => {
      c.sources.warehouse = { warehouse: 'bigquery', settings: { host: 'x' } };
    });
    expect(summaries(await problems(dir))).toEqual([
      'missing required field "project_id"',
      'unknown field "host"',
    ]);
  });

  it('rejects names that are not identifiers', async () => {
    const dir = withEdit((c) => {
      c.destinations['my crm'] = c.destinations.crm;
    });
    const found = await problems(dir);
    expect(summaries(found)).toEqual([
      'invalid name "my crm": names start with a letter or "_" and contain only letters, digits, "_" and "-"',
    ]);
    expect(found[0].path).toBe('$.destinations["my crm"]');
  });

  it('rejects URLs of other schemes', async () => {
    const dir = withEdit(
      (c) => ((c.destinations.crm as Record<string, unknown>).url = 'ftp://files.example.com'),
    );
    expect(summaries(await problems(dir))).toEqual([
      'invalid value "ftp://files.example.com" for "url": expected an http:// or https:// URL',
    ]);
  });

  it('reports every problem of every resource in one run, in file order', async () => {
    const dir = withEdit((c) => {
      (c.sources.warehouse as Record<string, unknown>).managed = 'x';
      (c.syncs.orders as Record<string, unknown>).mode = 'append';
    });
    const found = await problems(dir);
    expect(summaries(found)).toEqual([
      'unknown field "managed"; did you mean "managed_schema"?',
      'invalid value "append" for "mode": expected one of upsert, mirror',
    ]);
  });
});

describe('defaults per warehouse', () => {
  const settingsOf = async (source: object) => {
    const c = baseConfig();
    c.sources.warehouse = source as Record<string, unknown>;
    const state = await load(fixture({ 'backflow.json': c }), {
      WAREHOUSE_PASSWORD: 'pw-test',
      TOKEN: 'token-test',
    });
    return state.resources.get('source.warehouse')!.attributes;
  };

  it('fills postgres and redshift ports and sslmode', async () => {
    const pg = { host: 'h', database: 'd', user: 'u' };
    expect(await settingsOf({ warehouse: 'postgres', settings: pg })).toMatchObject({
      settings: { port: 5432, sslmode: 'prefer' },
      managed_schema: '__segment_reverse_etl',
    });
    expect(await settingsOf({ warehouse: 'redshift', settings: pg })).toMatchObject({
      settings: { port: 5439, sslmode: 'prefer' },
    });
  });

  it('fills the bigquery location and the databricks catalog', async () => {
    expect(await settingsOf({ warehouse: 'bigquery', settings: { project_id: 'p' } })).toMatchObject({
      settings: { location: 'US' },
    });
    const databricks = { host: 'dbc.example.com', http_path: '/sql/1', token: { env: 'TOKEN' } };
    expect(await settingsOf({ warehouse: 'databricks', settings: databricks })).toMatchObject({
      settings: { catalog: 'main' },
    });
  });
});
