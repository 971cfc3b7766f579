import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load';
import { formatDiagnostic } from '../../../src/config/format-diagnostic';
import { DESIGN_EXAMPLE } from './example';
import { baseConfig, cleanFixtures, EXAMPLE_ENV, fixture, load, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

describe('secret references', () => {
  it('reports a missing environment variable by name, and no secret value anywhere', async () => {
    const dir = fixture({ 'backflow.json': DESIGN_EXAMPLE });
    const { GIT_TOKEN: _missing, ...env } = EXAMPLE_ENV;
    const found = await problems(dir, env);
    expect(summaries(found)).toEqual([
      'git_sync.analytics credentials.token: secret environment variable GIT_TOKEN is not set',
    ]);
    expect(found[0]).toMatchObject({
      file: 'backflow.json',
      path: '$.git_syncs.analytics.credentials.token',
      address: 'git_sync.analytics',
      line: 16,
    });
    const text = JSON.stringify(found) + found.map((d) => formatDiagnostic(d)).join('\n');
    for (const value of Object.values(env)) expect(text).not.toContain(value);
  });

  it('reads a file reference relative to the config folder, without its trailing newline', async () => {
    const c = baseConfig();
    (c.sources.warehouse as { settings: Record<string, unknown> }).settings.password = {
      file: 'secrets/pg.txt',
    };
    const dir = fixture({ 'conf/backflow.json': c, 'conf/secrets/pg.txt': 'from-a-file\n' });
    const state = await loadConfig({ dir: 'conf', cwd: dir, env: {} });
    const source = state.resources.get('source.warehouse')!;
    expect(source.secrets.get('settings.password')).toBe('from-a-file');
    expect(source.attributes.settings).toMatchObject({
      password: { $sensitive: { ref: { file: 'secrets/pg.txt' }, fingerprint: '' } },
    });
  });

  it('reports an unreadable secret file with its path', async () => {
    const c = baseConfig();
    (c.sources.warehouse as { settings: Record<string, unknown> }).settings.password = { file: 'nope.txt' };
    const dir = fixture({ 'backflow.json': c });
    const [d] = await problems(dir, {});
    expect(d.summary).toBe(
      `source.warehouse settings.password: secret file ${join(dir, 'nope.txt')} cannot be read (ENOENT: it does not exist)`,
    );
    expect(d.path).toBe('$.sources.warehouse.settings.password');
  });

  it('marks only header values written as references as secrets', async () => {
    const c = baseConfig();
    (c.destinations.crm as Record<string, unknown>).headers = {
      'X-Team': 'growth',
      Authorization: { env: 'CRM_TOKEN' },
    };
    const state = await load(fixture({ 'backflow.json': c }));
    const crm = state.resources.get('destination.crm')!;
    expect(crm.attributes.headers).toEqual({
      'X-Team': 'growth',
      Authorization: { $sensitive: { ref: { env: 'CRM_TOKEN' }, fingerprint: '' } },
    });
    expect([...crm.secrets.keys()]).toEqual(['headers.Authorization']);
  });

  it('can validate without reading any secret', async () => {
    const state = await loadConfig({
      dir: fixture({ 'backflow.json': DESIGN_EXAMPLE }),
      env: {},
      readSecrets: false,
    });
    expect([...state.resources.values()].every((r) => r.secrets.size === 0)).toBe(true);
    expect(state.resources.get('dbt_cloud.main')!.attributes.api_key).toEqual({
      $sensitive: { ref: { env: 'DBT_CLOUD_API_KEY' }, fingerprint: '' },
    });
  });

  it('never reads an unreadable file silently', async () => {
    if (process.getuid?.() === 0) return; // root reads any file whatever its mode
    const c = baseConfig();
    (c.sources.warehouse as { settings: Record<string, unknown> }).settings.password = { file: 'locked.txt' };
    const dir = fixture({ 'backflow.json': c, 'locked.txt': 'x' });
    chmodSync(join(dir, 'locked.txt'), 0o000);
    expect(summaries(await problems(dir, {}))[0]).toMatch(/cannot be read \(EACCES: permission denied\)$/);
  });
});
