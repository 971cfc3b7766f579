/**
 * The apply walker (src/engine/apply.ts) with actions the test controls: at most `parallelism` changes run
 * at once, a change starts only after its dependencies, and after a failure nothing new starts (the rest is
 * reported skipped) while running changes finish. Each action waits on a promise the test resolves, so no
 * assertion depends on timing.
 */
import type { ResourceActions } from '../../../src/engine/actions/types';

const started: string[] = [];
const gates = new Map<string, { open: () => void; fail: (e: Error) => void }>();
let running = 0;
let maxRunning = 0;

function gated(address: string): Promise<Record<string, unknown>> {
  started.push(address);
  running++;
  maxRunning = Math.max(maxRunning, running);
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    gates.set(address, {
      open: () => {
        running--;
        resolve({});
      },
      fail: (e) => {
        running--;
        reject(e);
      },
    });
  });
}

jest.mock('../../../src/engine/actions', () => {
  const actions: ResourceActions = {
    createsExternalObject: false,
    create: (ctx: { change: { address: string } }) => gated(ctx.change.address),
    update: (ctx: { change: { address: string } }) => gated(ctx.change.address),
    delete: async () => undefined,
  } as unknown as ResourceActions;
  return { ACTIONS: new Proxy({}, { get: () => actions }) };
});

// Imported after the mock is registered.
import { applyPlan } from '../../../src/engine/apply';

function change(address: string, depends_on: string[] = []) {
  return {
    address,
    type: 'destination',
    name: address.split('.')[1],
    action: 'create',
    before: null,
    after: {},
    changed: [],
    replace_paths: [],
    depends_on,
  };
}

function options(changes: ReturnType<typeof change>[], parallelism: number) {
  const stored = new Map<string, unknown>();
  return {
    plan: { resource_changes: changes },
    desired: {
      resources: new Map(
        changes.map((c) => [
          c.address,
          { type: c.type, name: c.name, attributes: {}, secrets: new Map(), dependsOn: c.depends_on },
        ]),
      ),
    },
    state: {
      get: (a: string) => stored.get(a),
      put: async (a: string, r: unknown) => void stored.set(a, r),
      remove: async (a: string) => void stored.delete(a),
    },
    salt: 'salt',
    connections: {},
    parallelism,
  } as never;
}

/** Opens gates as they appear, in order, until `until` returns true. */
async function drive(until: () => boolean, decide: (address: string) => 'open' | Error = () => 'open') {
  const done = new Set<string>();
  while (!until()) {
    await new Promise((r) => setImmediate(r));
    for (const [address, gate] of gates) {
      if (done.has(address)) continue;
      done.add(address);
      const d = decide(address);
      if (d === 'open') gate.open();
      else gate.fail(d);
    }
  }
}

beforeEach(() => {
  started.length = 0;
  gates.clear();
  running = 0;
  maxRunning = 0;
});

test('runs at most `parallelism` changes at once', async () => {
  const changes = Array.from({ length: 7 }, (_, i) => change(`destination.d${i}`));
  let finished = false;
  const applying = applyPlan(options(changes, 3)).then((r) => {
    finished = true;
    return r;
  });
  // Before anything is released, exactly three have started.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  expect(started).toHaveLength(3);
  await drive(() => finished);
  const result = await applying;
  expect(maxRunning).toBe(3);
  expect(result.added).toBe(7);
  expect(result.failures).toEqual([]);
});

test('a change starts only after its dependencies finished', async () => {
  const changes = [
    change('destination.a'),
    change('destination.b', ['destination.a']),
    change('destination.c'),
  ];
  let finished = false;
  const applying = applyPlan(options(changes, 10)).then(() => (finished = true));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  expect(started.sort()).toEqual(['destination.a', 'destination.c']);
  await drive(() => finished);
  await applying;
  expect(started.indexOf('destination.b')).toBeGreaterThan(started.indexOf('destination.a'));
});

test('after a failure nothing new starts: dependents and waiting changes are skipped', async () => {
  const changes = [
    change('destination.a'),
    change('destination.b', ['destination.a']),
    change('destination.c'),
    change('destination.d'),
  ];
  let finished = false;
  const applying = applyPlan(options(changes, 1)).then((r) => {
    finished = true;
    return r;
  });
  await drive(
    () => finished,
    (address) => (address === 'destination.a' ? new Error('boom') : 'open'),
  );
  const result = await applying;
  expect(result.failures).toEqual([
    expect.objectContaining({ address: 'destination.a', action: 'create', message: 'boom' }),
  ]);
  expect(started).toEqual(['destination.a']);
  expect(result.skipped.sort()).toEqual(['destination.b', 'destination.c', 'destination.d']);
  expect(result.added).toBe(0);
});
