/**
 * The one-pass text of created and destroyed resources (whole-block.ts) against the general path (the JSON
 * plan, then diff lines, then text), on the same changes: they must agree byte for byte, colour on and off.
 */
import type { ResourceChange } from '../../../src/engine/plan';
import { renderChange, renderChangeViaJsonPlan, renderHuman } from '../../../src/render/human';
import { wholeBlockText } from '../../../src/render/whole-block';
import { kitchenSinkPlan, PlanBuilder, secret } from './plan-builder';

type Attrs = Record<string, unknown>;

const MARKS = { '+': '  +', '-': '  -', ' ': '   ' };

function expectSame(rc: ResourceChange): string {
  for (const color of [false, true]) {
    expect(renderChange(rc, { color })).toBe(renderChangeViaJsonPlan(rc, { color }));
  }
  return renderChange(rc, { color: false });
}

function created(after: Attrs, computed?: Attrs): ResourceChange {
  return new PlanBuilder().create('model.m', after, computed ? { computed } : {}).build().resource_changes[0];
}

function destroyed(before: Attrs): ResourceChange {
  return new PlanBuilder().delete('sync.s', before).build().resource_changes[0];
}

/** Every kind of value the views treat apart. */
const NESTED: Attrs = {
  name: 'Orders',
  enabled: true,
  limit: 10,
  ratio: 0.5,
  nothing: null,
  missing: undefined,
  empty_object: {},
  empty_list: [],
  password: secret('PG_PASSWORD', 'hmac-sha256:aaa'),
  settings: {
    host: 'db',
    token: secret('TOKEN', ''),
    nested: { deeper: [1, 'two', { three: 3 }, [], {}], secret_list: [secret('A', ''), 'plain'] },
  },
  tags: ['a', secret('B', 'x'), null, ['x', 'y'], { k: 'v', 'not an identifier': 1 }],
  'quoted key': 'value',
  '2nd': 'starts with a digit',
  '10': 'integer-like key',
  '9': 'another one',
  'dash-ed': 'x',
  Zeta: 'capital',
  unicode_é: 'é',
  control: 'bell \u0007 and escape \u001b[31m',
  query: 'select 1\nfrom t\n\n  where x = 1   \nEOT\n\tindented\u001b[0m',
  crlf: 'a\r\nb\r\n',
  one_newline: '\n',
};

describe('whole-block text of creates and destroys', () => {
  it('agrees with the general path on every create and destroy of the kitchen-sink plan', () => {
    const plan = kitchenSinkPlan();
    const wholes = plan.resource_changes.filter((rc) => rc.action === 'create' || rc.action === 'delete');
    expect(wholes.length).toBeGreaterThan(1);
    for (const rc of wholes) {
      expect(wholeBlockText(rc, MARKS)).toBeDefined();
      expectSame(rc);
    }
  });

  it('agrees on nested values, secrets, heredocs, odd keys and control characters', () => {
    const create = expectSame(created(NESTED));
    expect(create).toContain('      + password     = (sensitive value)');
    expect(create).toContain('          + token  = (sensitive value)');
    expect(create).toContain('          + (sensitive value),');
    expect(create).toContain('      + query        = <<-EOT_');
    expect(create).toContain('      + "quoted key" = "value"');
    expect(create).not.toContain('\u001b');
    expect(create).not.toContain('aaa');
    const destroy = expectSame(destroyed(NESTED));
    expect(destroy).toContain('      - settings     = {');
    expect(destroy).toContain('          - host   = "db" -> null');
    expect(destroy).toContain('        } -> null');
  });

  it('agrees on unknown computed values, with and without a value of the same name', () => {
    const out = expectSame(
      created(
        { name: 'a', columns: ['x'], sql: 'select 1\nfrom t', token: secret('T', '') },
        { columns: undefined, sql: undefined, sql_hash: undefined, token: undefined, known: 'k' },
      ),
    );
    expect(out).toContain('+ sql_hash = (known after apply)');
    expect(out).toContain('+ columns  = (known after apply)');
    expect(out).toContain('+ token    = (sensitive value)');
    expect(out).not.toContain('known    =');
  });

  it('agrees on a resource with no attributes, and on sparse and one-secret lists', () => {
    expectSame(created({}));
    expectSame(destroyed({}));
    // eslint-disable-next-line no-sparse-arrays
    expectSame(created({ sparse: [, 1, , 2], holes: new Array(3), only: [secret('S', '')] }));
  });

  it('agrees with the JSON plan on a value it cannot hold (an own __proto__ key), by leaving it to it', () => {
    const after = JSON.parse('{"name":"a","mapping":{"__proto__":{"x":1},"y":2}}') as Attrs;
    const rc = created(after);
    expect(wholeBlockText(rc, MARKS)).toBeUndefined();
    expectSame(rc);
  });

  it('leaves updates, replacements, no-ops and creates with forced paths to the general path', () => {
    const plan = kitchenSinkPlan();
    for (const rc of plan.resource_changes.filter((r) => r.action !== 'create' && r.action !== 'delete'))
      expect(wholeBlockText(rc, MARKS)).toBeUndefined();
    const forced = { ...created({ name: 'a' }), replace_paths: ['name'] };
    expect(wholeBlockText(forced, MARKS)).toBeUndefined();
    expect(wholeBlockText({ ...created({ a: 1 }), before: { a: 0 } }, MARKS)).toBeUndefined();
  });

  it('agrees on random values (seeded), creates and destroys, colour on and off', () => {
    const rand = mulberry32(16);
    for (let i = 0; i < 300; i++) {
      const value = randomObject(rand, 0);
      expectSame(created(value, rand() < 0.5 ? randomComputed(rand, value) : undefined));
      expectSame(destroyed(value));
    }
  });

  it('keeps the whole human view the same as rendering every change through the JSON plan', () => {
    const plan = new PlanBuilder()
      .create('model.a', NESTED, { computed: { columns: undefined }, pause_syncs: ['sync.x'] })
      .update('model.b', { name: 'b' }, { name: 'c' })
      .delete('sync.c', { model: 'a', mapping: { x: 'y' } })
      .build();
    const out = renderHuman(plan, { color: false });
    for (const rc of plan.resource_changes)
      expect(out).toContain(renderChangeViaJsonPlan(rc, { color: false }));
  });
});

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b_c', 'Z', 'with space', '1', '02', 'x-y', 'é', '$sensitive_not', '', 'EOT'];
const STRINGS = ['', 'x', 'two\nlines', 'EOT\nEOT_\n', 'tab\there', '\u001b[1m', 'end\n', ' \n \n'];

function randomScalar(rand: () => number): unknown {
  const r = rand();
  if (r < 0.4) return STRINGS[Math.floor(rand() * STRINGS.length)];
  if (r < 0.5) return Math.floor(rand() * 1000) - 500;
  if (r < 0.6) return rand() < 0.5;
  if (r < 0.7) return null;
  if (r < 0.75) return undefined;
  return secret(`E${Math.floor(rand() * 9)}`, rand() < 0.5 ? '' : 'hmac-sha256:f');
}

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth < 3 && r < 0.2) return randomObject(rand, depth + 1);
  if (depth < 3 && r < 0.35)
    return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  return randomScalar(rand);
}

function randomObject(rand: () => number, depth: number): Attrs {
  const out: Attrs = {};
  const n = Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) out[KEYS[Math.floor(rand() * KEYS.length)]] = randomValue(rand, depth);
  return out;
}

function randomComputed(rand: () => number, value: Attrs): Attrs {
  const out: Attrs = {};
  for (const k of [...Object.keys(value), 'sql_hash', 'columns'])
    if (rand() < 0.4) out[k] = rand() < 0.7 ? undefined : 'known';
  return out;
}
