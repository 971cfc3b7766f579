import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { baseConfig, cleanFixtures, fixture, load, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

describe('backend', () => {
  it('defaults to .backflow/state.json in the config folder, whatever the working directory', async () => {
    const dir = fixture({ 'conf/backflow.json': baseConfig() });
    const state = await loadConfig({ dir: 'conf', cwd: dir, env: { WAREHOUSE_PASSWORD: 'pw-test' } });
    expect(state.backend).toEqual({ type: 'local', path: join(dir, 'conf', '.backflow', 'state.json') });
  });

  it('resolves a relative local path against the config folder and keeps an absolute one', async () => {
    const relative = fixture({
      'backflow.json': { ...baseConfig(), backend: { type: 'local', path: 'state/prod.json' } },
    });
    expect((await load(relative)).backend).toEqual({
      type: 'local',
      path: join(relative, 'state', 'prod.json'),
    });
    const absolute = fixture({
      'backflow.json': { ...baseConfig(), backend: { type: 'local', path: '/var/lib/bf.json' } },
    });
    expect((await load(absolute)).backend).toEqual({ type: 'local', path: '/var/lib/bf.json' });
  });

  it('reads the pg connection string from its secret and fills defaults', async () => {
    const dir = fixture({
      'backflow.json': { ...baseConfig(), backend: { type: 'pg', connection_string: { env: 'STATE_DB' } } },
    });
    const state = await load(dir, {
      WAREHOUSE_PASSWORD: 'pw-test',
      STATE_DB: 'postgres://u:p@127.0.0.1/state',
    });
    expect(state.backend).toEqual({
      type: 'pg',
      connection_string: 'postgres://u:p@127.0.0.1/state',
      schema: 'backflow',
      workspace: 'default',
    });
  });

  it('reports a missing pg connection string secret', async () => {
    const dir = fixture({
      'backflow.json': { ...baseConfig(), backend: { type: 'pg', connection_string: { env: 'STATE_DB' } } },
    });
    const [d] = await problems(dir, { WAREHOUSE_PASSWORD: 'pw-test' });
    expect(d).toMatchObject({ path: '$.backend.connection_string' });
    expect(d.summary).toMatch(/STATE_DB is not set/);
  });

  it('checks fields per backend type', async () => {
    const dir = fixture({ 'backflow.json': { ...baseConfig(), backend: { type: 'local', workspace: 'x' } } });
    expect(summaries(await problems(dir))).toEqual(['unknown field "workspace"']);
    const s3 = fixture({ 'backflow.json': { ...baseConfig(), backend: { type: 's3' } } });
    expect(summaries(await problems(s3))).toEqual([
      'invalid value "s3" for "type": expected one of local, pg',
    ]);
  });
});
