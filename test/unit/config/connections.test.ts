import { DESIGN_EXAMPLE } from './example';
import { baseConfig, cleanFixtures, fixture, load, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

const env = { WAREHOUSE_PASSWORD: 'pw-test', KEY: 'key-test', TOKEN: 'token-test', SSH_KEY: 'ssh-key-test' };

function withResources(extra: Record<string, Record<string, unknown>>): string {
  const c = baseConfig();
  for (const [section, items] of Object.entries(extra)) c[section] = { ...(c[section] ?? {}), ...items };
  return fixture({ 'backflow.json': c });
}

describe('dbt Cloud links', () => {
  it('defaults access_url when neither access_url nor subdomain is given', async () => {
    const state = await load(
      withResources({ dbt_cloud: { main: { account_id: 1, api_key: { env: 'KEY' } } } }),
      env,
    );
    expect(state.resources.get('dbt_cloud.main')!.attributes).toEqual({
      account_id: 1,
      access_url: 'https://cloud.getdbt.com',
      api_key: { $sensitive: { ref: { env: 'KEY' }, fingerprint: '' } },
    });
  });

  it('keeps a subdomain without inventing an access_url', async () => {
    const dir = withResources({
      dbt_cloud: { main: { account_id: 1, subdomain: 'acme', api_key: { env: 'KEY' } } },
    });
    const attrs = (await load(dir, env)).resources.get('dbt_cloud.main')!.attributes;
    expect(attrs.subdomain).toBe('acme');
    expect(attrs).not.toHaveProperty('access_url');
  });

  it('rejects access_url together with subdomain', async () => {
    const dir = withResources({
      dbt_cloud: {
        main: {
          account_id: 1,
          access_url: 'https://ab123.us1.dbt.com',
          subdomain: 'acme',
          api_key: { env: 'KEY' },
        },
      },
    });
    const found = await problems(dir, env);
    expect(summaries(found)).toEqual(['dbt_cloud.main: give access_url or subdomain, not both']);
    expect(found[0].path).toBe('$.dbt_cloud.main.subdomain');
  });

  it('requires an https access_url', async () => {
    const dir = withResources({
      dbt_cloud: { main: { account_id: 1, access_url: 'http://ab123.us1.dbt.com', api_key: { env: 'KEY' } } },
    });
    expect(summaries(await problems(dir, env))).toEqual([
      'invalid value "http://ab123.us1.dbt.com" for "access_url": expected an https:// URL',
    ]);
  });
});

describe('Git syncs', () => {
  const gitSync = (fields: Record<string, unknown>) =>
    withResources({ git_syncs: { dbt: { source: 'warehouse', default_schema: 'analytics', ...fields } } });

  it('infers ssh from an scp-style repository and reads SSH credentials', async () => {
    const dir = gitSync({
      repository: 'git@github.com:acme/dbt.git',
      credentials: { private_key: { env: 'SSH_KEY' }, known_hosts: 'github.com ssh-ed25519 AAAA' },
    });
    const gs = (await load(dir, env)).resources.get('git_sync.dbt')!;
    expect(gs.attributes).toMatchObject({
      protocol: 'ssh',
      credentials: {
        private_key: { $sensitive: { ref: { env: 'SSH_KEY' }, fingerprint: '' } },
        known_hosts: 'github.com ssh-ed25519 AAAA',
        insecure_ignore_host_key: false,
      },
    });
    expect([...gs.secrets]).toEqual([['credentials.private_key', 'ssh-key-test']]);
  });

  it('accepts a local repository without credentials', async () => {
    const gs = (await load(gitSync({ repository: './dbt' }), env)).resources.get('git_sync.dbt')!;
    expect(gs.attributes).toMatchObject({ repository: './dbt', protocol: 'https', branch: 'main' });
  });

  it('rejects a token for ssh and a protocol that contradicts the repository', async () => {
    const dir = gitSync({
      repository: 'git@github.com:acme/dbt.git',
      protocol: 'https',
      credentials: { token: { env: 'TOKEN' } },
    });
    expect(summaries(await problems(dir, env))).toEqual([
      'git_sync.dbt: repository is an ssh URL but protocol is "https"',
    ]);
    const ssh = gitSync({
      repository: 'git@github.com:acme/dbt.git',
      credentials: { token: { env: 'TOKEN' } },
    });
    expect(summaries(await problems(ssh, env))).toEqual([
      'git_sync.dbt: ssh needs credentials.private_key; a token is for https',
    ]);
  });

  it('rejects mixing token and SSH key credentials', async () => {
    const dir = gitSync({
      repository: 'https://github.com/acme/dbt.git',
      credentials: { token: { env: 'TOKEN' }, private_key: { env: 'SSH_KEY' } },
    });
    const found = await problems(dir, env);
    expect(summaries(found)).toEqual(['unknown field "private_key"']);
    expect(found[0].detail).toMatch(/^Token credentials \(https\) take only `token`/);
  });

  it('requires dbt 1.7 or later, written as a string', async () => {
    expect(summaries(await problems(gitSync({ repository: './dbt', dbt_version: '1.6' }), env))).toEqual([
      'git_sync.dbt: dbt_version "1.6" is not supported; Backflow reads dbt 1.7 or later',
    ]);
    const found = await problems(gitSync({ repository: './dbt', dbt_version: 1.8 }), env);
    expect(summaries(found)).toEqual(['wrong type for "dbt_version": expected string, got number']);
    expect(found[0].detail).toMatch(/double quotes/);
    expect((await load(gitSync({ repository: './dbt', dbt_version: '1.10' }), env)).resources.size).toBe(5);
  });

  it('reads the manifest from a dbt Cloud job, depending on the link', async () => {
    const text = DESIGN_EXAMPLE.replace(
      '"project_path": "."',
      '"project_path": ".", "manifest": { "dbt_cloud": "main", "job_id": 7 }',
    );
    const state = await load(fixture({ 'backflow.json': text }), {
      WAREHOUSE_PASSWORD: 'pw-a',
      GIT_TOKEN: 'token-b',
      DBT_CLOUD_API_KEY: 'key-c',
      CRM_TOKEN: 'token-d',
    });
    expect(state.resources.get('git_sync.analytics')!.dependsOn).toEqual([
      'source.warehouse',
      'dbt_cloud.main',
    ]);
  });
});

describe('Snowflake sources', () => {
  const snowflake = (settings: Record<string, unknown>) =>
    withResources({
      sources: {
        sf: {
          warehouse: 'snowflake',
          settings: { account: 'org-acct', user: 'u', warehouse: 'w', database: 'd', ...settings },
        },
      },
    });

  it('prefers key-pair authentication', async () => {
    const state = await load(snowflake({ private_key: { env: 'KEY' } }), env);
    expect(state.warnings).toEqual([]);
  });

  it('warns that password-only sign-in is deprecated', async () => {
    const state = await load(snowflake({ password: { env: 'KEY' } }), env);
    expect(state.warnings!.map((d) => [d.severity, d.summary])).toEqual([
      ['warning', 'source.sf: settings.password is deprecated; Snowflake is retiring password-only sign-in'],
    ]);
  });

  it('requires some authentication', async () => {
    expect(summaries(await problems(snowflake({}), env))).toEqual([
      'source.sf: snowflake needs settings.private_key',
    ]);
  });
});
