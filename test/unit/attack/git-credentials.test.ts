/**
 * Git credentials: a token written into a repository URL is refused by validate (without repeating it), and
 * the HTTPS client never re-sends the Authorization header to another origin on a redirect.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gitHttpsClient } from '../../../src/adapters/git/git-https-client';
import { baseConfig, cleanFixtures, fixture, problems } from '../config/fixtures';

afterAll(cleanFixtures);

describe('a token inside the repository URL', () => {
  test.each([
    'https://x-access-token:ghp_leakedTOKEN123@github.com/acme/dbt.git',
    'https://ghp_leakedTOKEN123@github.com/acme/dbt.git',
    'http://user:pw@127.0.0.1:8080/dbt.git',
  ])('is refused at validate: %s', async (repository) => {
    const config = baseConfig();
    config.git_syncs = {
      dbt: { source: 'warehouse', default_schema: 'analytics', repository },
    };
    const found = await problems(fixture({ 'backflow.json': config }));
    const problem = found.find((d) => d.summary.includes('repository URL carries'));
    expect(problem).toBeDefined();
    expect(problem!.detail).toContain('"credentials": { "token": { "env": "GIT_TOKEN" } }');
    expect(JSON.stringify(found)).not.toContain('leakedTOKEN');
  });
});

describe('redirects', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function get(url: string): Promise<number> {
    const res = await gitHttpsClient.request({
      url,
      method: 'GET',
      headers: { Authorization: 'Basic c2VjcmV0', Cookie: 'session=1' },
    });
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) void chunk;
    return res.statusCode;
  }

  test('to another origin (another port): the credentials are dropped', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const other = await serve((req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    const first = await serve((_req, res) => {
      res.writeHead(302, { Location: `${other}/info/refs` });
      res.end();
    });
    expect(await get(`${first}/repo.git/info/refs`)).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0].authorization).toBeUndefined();
    expect(seen[0].cookie).toBeUndefined();
  });

  test('within the same origin: the credentials are kept', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const base = await serve((req, res) => {
      seen.push(req.headers);
      if (req.url === '/old') {
        res.writeHead(301, { Location: '/new' });
        res.end();
      } else res.end('ok');
    });
    expect(await get(`${base}/old`)).toBe(200);
    expect(seen.map((h) => h.authorization)).toEqual(['Basic c2VjcmV0', 'Basic c2VjcmV0']);
  });
});
