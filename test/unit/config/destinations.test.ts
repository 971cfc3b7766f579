import { destinationTypes, getDestinationKind } from '../../../src/adapters/destination/registry';
import { DESTINATION_REMOVALS, isLoopbackHost } from '../../../src/config/rules/destinations';
import { runCli } from '../../helpers/cli';
import { baseConfig, cleanFixtures, fixture, load, problems, summaries } from './fixtures';

afterEach(cleanFixtures);

const env = { WAREHOUSE_PASSWORD: 'pw-test', SEGMENT_KEY: 'write-key-test', HUBSPOT_TOKEN: 'pat-test' };
const segment = { type: 'segment', write_key: { env: 'SEGMENT_KEY' } };
const hubspot = { type: 'hubspot', token: { env: 'HUBSPOT_TOKEN' }, id_property: 'email' };

function config(destination: Record<string, unknown>, sync: Record<string, unknown> = {}): string {
  const c = baseConfig();
  c.destinations = { crm: destination };
  c.syncs = { orders: { model: 'big_orders', destination: 'crm', ...sync } };
  return fixture({ 'backflow.json': c });
}

describe('mirror syncs need a destination that can delete', () => {
  it.each([
    ['segment', segment, /Tracking API has identify, track and group calls but no delete/],
    ['hubspot', hubspot, /archiving needs the HubSpot object ids/],
  ])('refuses mirror to %s, naming the sync and the way out', async (type, dest, why) => {
    const found = await problems(config(dest, { mode: 'mirror', mapping: { userId: 'order_id' } }), env);
    expect(summaries(found)).toEqual([
      `sync.orders: mode "mirror" deletes records that leave the model, but destination.crm (${type}) cannot delete records`,
    ]);
    expect(found[0].path).toBe('$.syncs.orders.mode');
    expect(found[0].detail).toMatch(why);
    expect(found[0].detail).toContain('Use "mode": "upsert"');
  });

  it('allows mirror to a webhook and upsert to segment or hubspot', async () => {
    await expect(
      load(config({ type: 'webhook', url: 'https://h.example.com' }, { mode: 'mirror' }), env),
    ).resolves.toBeDefined();
    await expect(load(config(segment, { mode: 'upsert' }), env)).resolves.toBeDefined();
    await expect(load(config(hubspot), env)).resolves.toBeDefined();
  });

  it('the list of types that can delete matches every adapter', () => {
    expect(Object.keys(DESTINATION_REMOVALS).sort()).toEqual(destinationTypes().sort());
    for (const type of destinationTypes()) {
      expect([type, DESTINATION_REMOVALS[type]]).toEqual([type, getDestinationKind(type).supportsRemovals]);
    }
  });
});

describe('segment and hubspot endpoints', () => {
  it.each([
    ['segment', segment, 'write key'],
    ['hubspot', hubspot, 'token'],
  ])('%s: refuses http to a non-loopback host', async (_type, dest, secret) => {
    const found = await problems(config({ ...dest, endpoint: 'http://proxy.example.com' }), env);
    expect(summaries(found)).toEqual([
      `destination.crm: endpoint must be https: the ${secret} would cross the network in clear text ("proxy.example.com" is not a loopback host)`,
    ]);
    expect(found[0].path).toBe('$.destinations.crm.endpoint');
  });

  it('allows https anywhere and http on loopback hosts', async () => {
    for (const endpoint of [
      'https://proxy.example.com/segment',
      'http://127.0.0.1:8080',
      'http://[::1]:9000',
      'http://localhost:3000',
    ]) {
      await expect(load(config({ ...hubspot, endpoint }), env)).resolves.toBeDefined();
    }
    expect(isLoopbackHost('127.10.0.1')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
  });

  it('refuses credentials or a query in the endpoint', async () => {
    expect(
      summaries(await problems(config({ ...segment, endpoint: 'https://user:pw@proxy.example.com' }), env)),
    ).toEqual([
      'destination.crm: endpoint must not hold credentials; the write key goes in write_key, by secret reference',
    ]);
    expect(
      summaries(await problems(config({ ...hubspot, endpoint: 'https://proxy.example.com/?a=1' }), env)),
    ).toEqual(['destination.crm: endpoint must be a base URL without a query or fragment']);
  });
});

describe('segment syncs map an identity', () => {
  it('refuses a mapping without userId or anonymousId, and a group mapping without groupId', async () => {
    expect(summaries(await problems(config(segment, { mapping: { email: 'order_id' } }), env))).toEqual([
      'sync.orders: the mapping sends no userId or anonymousId to destination.crm (segment)',
    ]);
    expect(
      summaries(
        await problems(config({ ...segment, event_type: 'group' }, { mapping: { userId: 'order_id' } }), env),
      ),
    ).toEqual(['sync.orders: the mapping sends no groupId to destination.crm (segment group calls)']);
  });

  it('accepts anonymousId alone, and a sync without a mapping (checked per row at run time)', async () => {
    await expect(load(config(segment, { mapping: { anonymousId: 'order_id' } }), env)).resolves.toBeDefined();
    await expect(load(config(segment), env)).resolves.toBeDefined();
  });
});

describe('backflow validate', () => {
  it('exits 1 naming the mirror sync and the fix, without a stack trace', async () => {
    const dir = config(segment, { mode: 'mirror', mapping: { userId: 'order_id' } });
    const r = await runCli(['validate'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.output).toContain(
      'sync.orders: mode "mirror" deletes records that leave the model, but destination.crm (segment) cannot delete records',
    );
    expect(r.output).toContain('Use "mode": "upsert"');
    expect(r.output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });
});
