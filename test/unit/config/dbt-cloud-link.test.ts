/**
 * access_url as config checks it: https, or http for a loopback test server only; the host alone, with the
 * problem pointed at the field.
 */
import { baseConfig, cleanFixtures, fixture, load, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

const env = { WAREHOUSE_PASSWORD: 'pw-test', KEY: 'key-test' };

function withAccessUrl(access_url: string): string {
  const c = baseConfig();
  c.dbt_cloud = { main: { account_id: 1, access_url, api_key: { env: 'KEY' } } };
  return fixture({ 'backflow.json': c });
}

describe('dbt_cloud access_url', () => {
  it.each([
    'https://ab123.us1.dbt.com',
    'https://emea.dbt.com/',
    'http://127.0.0.1:4010',
    'http://localhost:8080',
  ])('accepts %s', async (url) => {
    const attrs = (await load(withAccessUrl(url), env)).resources.get('dbt_cloud.main')!.attributes;
    expect(attrs.access_url).toBe(url);
  });

  it.each(['http://ab123.us1.dbt.com', 'http://127.0.0.1.example.com', 'http://localhost.example.com'])(
    'refuses plain http to %s',
    async (url) => {
      expect(summaries(await problems(withAccessUrl(url), env))).toEqual([
        `invalid value "${url}" for "access_url": expected an https:// URL`,
      ]);
    },
  );

  it('refuses a path, pointing at the field', async () => {
    const found = await problems(withAccessUrl('https://cloud.getdbt.com/deploy/1/projects/2'), env);
    expect(summaries(found)).toEqual([
      'dbt_cloud.main: access_url must be the host only, without a path, query or fragment: "https://cloud.getdbt.com"',
    ]);
    expect(found[0]).toMatchObject({ path: '$.dbt_cloud.main.access_url', line: expect.any(Number) });
  });

  it('refuses credentials in the URL', async () => {
    expect(summaries(await problems(withAccessUrl('https://me:pw@cloud.getdbt.com'), env))).toEqual([
      'dbt_cloud.main: access_url must not hold credentials; the key goes in api_key, by secret reference',
    ]);
  });
});
