/**
 * Attack corpus: generated mutations of a valid configuration — type confusion, huge and deep values,
 * unicode, prototype keys, broken JSON text, special files in place of config and secret files. Every case
 * must load or fail with a clear configuration error (a UserError naming the file, JSON path or address),
 * never another exception (a stack trace for the user), never a hang, never unbounded memory, never echo a
 * secret value, never change Object.prototype.
 *
 * All cases run through the built loader in a worker thread with a bounded heap (512 MB: a case that needs
 * more kills the worker and fails here, naming the case); a sample runs through the real CLI with a bounded
 * heap too. Cases are deterministic: a failure names its index and what was mutated.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ROOT, runCli } from '../../helpers/cli';
import { baseConfig, cleanFixtures, fixture } from '../config/fixtures';

afterAll(cleanFixtures);

const SECRETS = { WAREHOUSE_PASSWORD: 'pw-Mutation-Secret-7788', TOKEN_FILE: 'tok-Mutation-File-9911' };
const ENV = { WAREHOUSE_PASSWORD: SECRETS.WAREHOUSE_PASSWORD };

type Json = Record<string, unknown>;

/** Deterministic pseudo-random numbers (mulberry32), so a failing case is replayed by its index. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)];

const deep = (n: number, leaf: unknown = 'leaf'): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < n; i++) v = i % 2 === 0 ? { d: v } : [v];
  return v;
};
/** Stands for 5,000 nested arrays, put into the text after JSON.stringify (whose own recursion it would overflow). */
const DEEP_5000 = '@@deep-5000@@';
const stringify = (value: unknown): string =>
  JSON.stringify(value).replaceAll(JSON.stringify(DEEP_5000), '['.repeat(5000) + '"leaf"' + ']'.repeat(5000));
const own = (key: string, value: unknown): Json =>
  Object.defineProperty({}, key, { value, enumerable: true, configurable: true, writable: true });

/** Values put in place of any field: wrong types, edge numbers, huge, deep, unicode, prototype names, secrets. */
const VALUES: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['zero', 0],
  ['-1', -1],
  ['1e308', 1e308],
  ['2^53+2', Number.MAX_SAFE_INTEGER + 2],
  ['0.5', 0.5],
  ['empty string', ''],
  ['space', ' '],
  ['100k string', 'x'.repeat(100_000)],
  ['NUL', '\u0000'],
  ['RTL override', '\u202eevil\u202c'],
  ['emoji', '😀'.repeat(50)],
  ['zero-width space', 'a\u200bb'],
  ['decomposed é', 'e\u0301'],
  ['Cyrillic homoglyph', 'big_оrders'],
  ['"__proto__"', '__proto__'],
  ['"constructor"', 'constructor'],
  ['"toString"', 'toString'],
  ['path traversal', '../../etc/passwd'],
  ['template', '${WAREHOUSE_PASSWORD}'],
  ['SQL', "'; drop table t; --"],
  ['empty list', []],
  ['mixed list', [1, 'a', null, {}]],
  ['empty object', {}],
  ['env secret', { env: 'WAREHOUSE_PASSWORD' }],
  ['unset env secret', { env: 'NOT_SET_ANYWHERE' }],
  ['secret /dev/zero', { file: '/dev/zero' }],
  ['secret /dev/urandom', { file: '/dev/urandom' }],
  ['secret FIFO', { file: 'fifo-secret' }],
  ['secret symlink loop', { file: 'loop-secret' }],
  ['secret folder', { file: '.' }],
  ['secret 2 MB file', { file: 'big-secret' }],
  ['secret file', { file: 'token.txt' }],
  ['env and file', { env: 'WAREHOUSE_PASSWORD', file: 'token.txt' }],
  ['own __proto__', own('__proto__', { polluted: true })],
  ['constructor.prototype', { constructor: { prototype: { polluted: true } } }],
  ['70 levels deep', deep(70)],
  ['5,000 levels deep', DEEP_5000],
  ['2,000 numbers', Array.from({ length: 2000 }, (_, i) => i)],
  ['20,000 strings', Array.from({ length: 20_000 }, () => 'x')],
  ['object of 2,000 keys', Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]))],
];

const NEW_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'ünï',
  'x'.repeat(300),
  '',
];

/** Every (parent, key) path in the config, for picking mutation points. */
function paths(node: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  // Not into the huge values put in by earlier rounds: their elements are no more interesting than the first.
  if (node && typeof node === 'object' && prefix.length < 8 && Object.keys(node).length <= 50) {
    for (const [k, v] of Object.entries(node as Json)) {
      out.push([...prefix, k]);
      paths(v, [...prefix, k], out);
    }
  }
  return out;
}

function mutate(config: Json, random: () => number): string {
  const all = paths(config);
  if (all.length === 0) return 'nothing left to mutate';
  const path = pick(random, all);
  const parent = path.slice(0, -1).reduce<Json>((n, k) => n[k] as Json, config);
  const key = path[path.length - 1];
  const [name, shared] = pick(random, VALUES);
  // A copy: a later round may mutate inside it. JSON keeps an own "__proto__" key as one.
  const value: unknown = JSON.parse(JSON.stringify(shared));
  const at = path.join('.');
  switch (Math.floor(random() * 4)) {
    case 0:
      parent[key] = value;
      return `${at} = ${name}`;
    case 1:
      delete parent[key];
      return `${at} removed`;
    case 2: {
      const newKey = pick(random, NEW_KEYS);
      Object.defineProperty(parent, newKey, { value, enumerable: true, configurable: true, writable: true });
      return `${path.slice(0, -1).join('.')}[${JSON.stringify(newKey.slice(0, 12))}] = ${name}`;
    }
    default:
      parent[key] = { nested: parent[key], also: value };
      return `${at} wrapped with ${name}`;
  }
}

/** A valid config that reads a secret file and an env secret: the starting point of every mutation. */
function startingConfig(): Json {
  const c = baseConfig() as Json;
  (c.destinations as Json).crm = {
    type: 'webhook',
    url: 'https://hooks.example.com/crm',
    headers: { Authorization: { file: 'token.txt' } },
  };
  return c;
}

interface Case {
  i: number;
  what: string;
  /** Files of the fixture: text, or a special file to make there. */
  files: Record<string, string | Special>;
}
type Special = { fifo: true } | { symlink: string } | { folder: true };

/** The fixture's extra files a mutated config text refers to: made only when used. */
function secretFilesFor(text: string): Record<string, string | Special> {
  const files: Record<string, string | Special> = { 'token.txt': SECRETS.TOKEN_FILE + '\n' };
  if (text.includes('fifo-secret')) files['fifo-secret'] = { fifo: true };
  if (text.includes('loop-secret')) files['loop-secret'] = { symlink: 'loop-secret' };
  if (text.includes('big-secret')) files['big-secret'] = 'y'.repeat(2 * 1024 * 1024);
  return files;
}

function configCase(
  i: number,
  what: string,
  text: string,
  extra: Record<string, string | Special> = {},
): Case {
  return { i, what, files: { 'backflow.json': text, ...secretFilesFor(text), ...extra } };
}

const validText = JSON.stringify(startingConfig(), null, 2);

/** Raw-text edits of the valid config: what no JSON value can express. */
const TEXT_EDITS: [string, (t: string) => string][] = [
  ['BOM', (t) => '\uFEFF' + t],
  ['lone surrogate in a name', (t) => t.replace('"Big orders"', '"Big \\ud800 orders"')],
  ['raw NUL in a string', (t) => t.replace('"Big orders"', '"Big \u0000 orders"')],
  ['raw newline in a string', (t) => t.replace('"Big orders"', '"Big\norders"')],
  [
    'duplicate resource key',
    (t) => t.replace('"big_orders": {', '"big_orders": {"source": "x"}, "big_orders": {'),
  ],
  ['duplicate __proto__', (t) => t.replace('"models": {', '"models": {"__proto__": {}, "__proto__": {},')],
  ['__proto__ section', (t) => t.replace('{', '{"__proto__": {"polluted": true},')],
  ['comment', (t) => t.replace('{', '{ // note\n')],
  ['trailing comma', (t) => t.replace(/}\s*$/, ',}')],
  ['NaN', (t) => t.replace('"select 1 as order_id"', 'NaN')],
  ['single quotes', (t) => t.replace('"Big orders"', "'Big orders'")],
  ['1e400', (t) => t.replace('"select 1 as order_id"', '1e400')],
  ['-0', (t) => t.replace('"select 1 as order_id"', '-0')],
  ['huge exponent integer', (t) => t.replace('"select 1 as order_id"', '1' + '0'.repeat(400))],
  ['empty file', () => ''],
  ['only whitespace', () => ' \n\t '],
  ['top-level array', () => '[]'],
  ['top-level string', () => '"backflow"'],
  ['top-level null', () => 'null'],
  ['unterminated string', (t) => t.slice(0, t.indexOf('Big orders') + 3)],
  ['one million [ unclosed', () => '['.repeat(1_000_000)],
  ['one million nested arrays', () => `{"models": ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`],
  ['100,000 nested objects', () => '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
  ['65 levels in a query', (t) => t.replace('"select 1 as order_id"', JSON.stringify(deep(65)))],
  ['64 levels in all', () => '{"x":'.repeat(63) + '[1]' + '}'.repeat(63)],
  [
    '5 MB query',
    (t) => t.replace('select 1 as order_id', 'select 1 as order_id -- ' + 'x'.repeat(5 * 1024 * 1024)),
  ],
  ['100,000-character key', (t) => t.replace('"big_orders"', JSON.stringify('m'.repeat(100_000)))],
  ['resource named constructor', (t) => t.replaceAll('big_orders', 'constructor')],
  ['resource named __proto__', (t) => t.replaceAll('"big_orders"', '"__proto__"')],
  ['resource named toString', (t) => t.replaceAll('big_orders', 'toString')],
  ['resource named hasOwnProperty', (t) => t.replaceAll('big_orders', 'hasOwnProperty')],
  ['section named __proto__', (t) => t.replace('"models"', '"__proto__"')],
  ['fullwidth section name', (t) => t.replace('"models"', '"ｍodels"')],
  ['homoglyph section name', (t) => t.replace('"models"', '"mоdels"')],
  ['escaped section name', (t) => t.replace('"models"', '"\\u006dodels"')],
  ['decomposed resource name', (t) => t.replaceAll('big_orders', 'big_orde\u0301rs')],
  ['RTL override in name', (t) => t.replaceAll('big_orders', 'big\u202e_orders')],
];

/** Special files in place of a config file, and config files next to a valid one. */
const FILE_CASES: [string, Record<string, string | Special>][] = [
  ['backflow.json is a FIFO', { 'backflow.json': { fifo: true } }],
  ['backflow.json is a folder', { 'backflow.json': { folder: true } }],
  ['backflow.json is /dev/zero', { 'backflow.json': { symlink: '/dev/zero' } }],
  ['backflow.json is /dev/urandom', { 'backflow.json': { symlink: '/dev/urandom' } }],
  ['backflow.json is /dev/null', { 'backflow.json': { symlink: '/dev/null' } }],
  ['backflow.json is a symlink loop', { 'backflow.json': { symlink: 'backflow.json' } }],
  ['backflow.json is a dangling symlink', { 'backflow.json': { symlink: 'nowhere.json' } }],
  ['a second file is a FIFO', { 'backflow.json': validText, 'x.backflow.json': { fifo: true } }],
  ['a second file is /dev/zero', { 'backflow.json': validText, 'x.backflow.json': { symlink: '/dev/zero' } }],
  ['a second file is a folder', { 'backflow.json': validText, 'x.backflow.json': { folder: true } }],
  ['a second file repeats the resources', { 'backflow.json': validText, 'x.backflow.json': validText }],
  ['a second file is empty', { 'backflow.json': validText, 'x.backflow.json': '' }],
  ['a 70 MB config file', { 'backflow.json': validText + ' '.repeat(70 * 1024 * 1024) }],
];

function buildCases(): Case[] {
  const cases: Case[] = [];
  // Random mutations: one to three per case.
  for (let n = 0; n < 400; n++) {
    const random = rng(n + 1);
    const config = startingConfig();
    const rounds = 1 + Math.floor(random() * 3);
    const what: string[] = [];
    for (let r = 0; r < rounds; r++) what.push(mutate(config, random));
    cases.push(configCase(cases.length, what.join('; '), stringify(config)));
  }
  // Every value at every secret reference and at a few fields of each kind.
  const spots: string[][] = [
    ['sources', 'warehouse', 'settings', 'password'],
    ['destinations', 'crm', 'headers', 'Authorization'],
    ['models', 'big_orders', 'primary_key'],
    ['syncs', 'orders', 'model'],
  ];
  for (const spot of spots) {
    for (const [name, value] of VALUES) {
      const config = startingConfig();
      const parent = spot.slice(0, -1).reduce<Json>((n, k) => n[k] as Json, config);
      parent[spot[spot.length - 1]] = JSON.parse(JSON.stringify(value));
      cases.push(configCase(cases.length, `${spot.join('.')} = ${name}`, stringify(config)));
    }
  }
  for (const [name, edit] of TEXT_EDITS) cases.push(configCase(cases.length, name, edit(validText)));
  for (const [name, files] of FILE_CASES) {
    cases.push({ i: cases.length, what: name, files: { 'token.txt': SECRETS.TOKEN_FILE, ...files } });
  }
  return cases;
}

const CASES = buildCases();
const dirs = new Map<number, string>();

function makeFixture(c: Case): string {
  const texts = Object.fromEntries(Object.entries(c.files).filter(([, f]) => typeof f === 'string'));
  const dir = fixture(texts as Record<string, string>);
  for (const [name, f] of Object.entries(c.files)) {
    if (typeof f === 'string') continue;
    const path = join(dir, name);
    if ('fifo' in f) execFileSync('mkfifo', [path]);
    else if ('folder' in f) mkdirSync(path);
    else symlinkSync(f.symlink.startsWith('/') ? f.symlink : join(dir, f.symlink), path);
  }
  return dir;
}

interface Result {
  kind: 'ok' | 'user-error' | 'bug' | 'out-of-memory' | 'hung';
  message?: string;
  hint?: string;
  diagnostics?: { severity: string; summary: string; detail?: string; file?: string; address?: string }[];
  polluted?: string[];
}
const results = new Map<number, Result>();

/** Runs `cases` in a worker with a bounded heap; a case that kills it or stalls it is recorded as such. */
function runInWorker(cases: Case[]): Promise<number> {
  return new Promise((resolveRun) => {
    let current: number | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    const worker = new Worker(join(__dirname, 'config-mutation-worker.js'), {
      workerData: {
        cases: cases.map((c) => ({ i: c.i, dir: dirs.get(c.i) })),
        env: ENV,
        protoKeys: Object.getOwnPropertyNames(Object.prototype),
      },
      resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 4 },
    });
    // Not a speed check: a case still running after 20 s is a hang (a FIFO read, an endless loop).
    const arm = (): void => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        if (current !== undefined) results.set(current, { kind: 'hung' });
        void worker.terminate();
      }, 20_000);
    };
    arm();
    worker.on('message', (m: { start?: number; done?: number; result?: Result; crashed?: string }) => {
      arm();
      if (m.start !== undefined) current = m.start;
      if (m.done !== undefined) {
        results.set(m.done, m.result!);
        current = undefined;
      }
      if (m.crashed !== undefined && current !== undefined)
        results.set(current, { kind: 'bug', message: m.crashed });
    });
    worker.on('error', (err: Error & { code?: string }) => {
      if (current !== undefined)
        results.set(current, {
          kind: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out-of-memory' : 'bug',
          message: String(err.stack ?? err),
        });
    });
    worker.on('exit', () => {
      clearTimeout(watchdog);
      resolveRun(current ?? -1);
    });
  });
}

beforeAll(async () => {
  for (const c of CASES) dirs.set(c.i, makeFixture(c));
  // A case that kills the worker is recorded; the rest run in a fresh worker.
  let remaining = CASES;
  while (remaining.length > 0) {
    await runInWorker(remaining);
    remaining = remaining.filter((c) => !results.has(c.i));
  }
}, 600_000);

const SECRET_VALUES = Object.values(SECRETS);

test('the corpus has at least 500 cases of every kind', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(500);
  const kinds = (re: RegExp) => CASES.filter((c) => re.test(c.what)).length;
  expect(kinds(/deep|levels|nested/)).toBeGreaterThanOrEqual(20);
  expect(kinds(/proto|constructor|toString|hasOwnProperty/)).toBeGreaterThanOrEqual(20);
  expect(kinds(/FIFO|dev\/|folder|loop|symlink/)).toBeGreaterThanOrEqual(20);
  expect(kinds(/RTL|emoji|homoglyph|surrogate|decomposed|NUL|zero-width|fullwidth/)).toBeGreaterThanOrEqual(
    20,
  );
  expect(kinds(/MB|100k|100,000|20,000|2,000/)).toBeGreaterThanOrEqual(20);
});

describe.each(CASES.map((c) => [c.i, c.what, c] as const))('case %i (%s)', (_i, _what, c) => {
  test('loads, or fails with a clear error naming where', () => {
    const r = results.get(c.i)!;
    expect({ kind: r.kind, message: r.kind === 'ok' || r.kind === 'user-error' ? '' : r.message }).toEqual({
      kind: expect.stringMatching(/^(ok|user-error)$/),
      message: '',
    });
    expect(r.polluted).toEqual([]);
    if (r.kind !== 'user-error') return;
    const text = JSON.stringify(r);
    for (const secret of SECRET_VALUES) expect(text).not.toContain(secret);
    expect(r.message!.length).toBeGreaterThan(10);
    const errors = (r.diagnostics ?? []).filter((d) => d.severity === 'error');
    if (errors.length === 0) {
      // A UserError on its own (a file that cannot be read): it names the file.
      expect(r.message).toMatch(
        /backflow\.json|\.backflow\.json|fifo-secret|loop-secret|big-secret|\/dev\/|token\.txt|folder/,
      );
    }
    for (const d of errors) {
      expect(d.summary.length).toBeGreaterThan(5);
      expect(d.file ?? d.address).toBeDefined();
    }
  });
});

/** Cases whose outcome says what must have happened, beyond "clear": the bugs this corpus was written for. */
test.each([
  ['secret /dev/zero', /is not a regular file \(it is a character device\)/],
  ['secret FIFO', /is not a regular file \(it is a named pipe\)/],
  ['secret symlink loop', /ELOOP/],
  ['secret 2 MB file', /larger than the limit of 1 MiB/],
  ['one million nested arrays', /nests deeper than 64 levels/],
  ['70 levels deep', /nests deeper than 64 levels/],
  ['__proto__ section', /"__proto__" is not allowed as a key/],
  ['backflow.json is a FIFO', /is not a regular file \(it is a named pipe\)/],
  ['a 70 MB config file', /larger than the limit of 64 MiB/],
])('"%s" is refused for what it is', (what, reason) => {
  const at = ['sources.warehouse.settings.password = ', 'destinations.crm.headers.Authorization = ', ''];
  const matching = CASES.filter((c) => at.some((prefix) => c.what === prefix + what));
  expect(matching.length).toBeGreaterThan(0);
  for (const c of matching) {
    const r = results.get(c.i)!;
    expect(r.kind).toBe('user-error');
    expect([r.message, ...(r.diagnostics ?? []).map((d) => d.summary)].join('\n')).toMatch(reason);
  }
});

/** Every 60th case, and the special files, through the real CLI, with a bounded heap: exit 0 or 1, no stack trace, no secret. */
const CLI_CASES = [
  'backflow.json is a FIFO',
  'backflow.json is /dev/zero',
  'a second file is a FIFO',
  'one million nested arrays',
  'a 70 MB config file',
  'sources.warehouse.settings.password = secret FIFO',
  'destinations.crm.headers.Authorization = secret /dev/zero',
  'destinations.crm.headers.Authorization = secret 2 MB file',
];
const SAMPLE = CASES.filter((c) => c.i % 60 === 7 || CLI_CASES.includes(c.what));
test.each(SAMPLE.map((c) => [c.i, c.what, c] as const))(
  'CLI: case %i (%s) exits 0 or 1 with a clear message',
  async (_i, _what, c) => {
    const dir = dirs.get(c.i)!;
    const r = await runCli(['plan', '-refresh=false'], {
      cwd: dir,
      env: {
        ...ENV,
        NODE_OPTIONS: `--require ${join(ROOT, 'test', 'helpers', 'loopback-guard.js')} --max-old-space-size=256`,
      },
    });
    expect(r.output).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
    for (const secret of SECRET_VALUES) expect(r.output).not.toContain(secret);
    expect([0, 1]).toContain(r.code);
    if (r.code === 1) expect(r.stderr).toMatch(/\S/);
    if (CLI_CASES.includes(c.what)) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /secret/.test(c.what) ? /secret file \S*(fifo-secret|\/dev\/zero|big-secret)/ : /backflow\.json/,
      );
    }
  },
  60_000,
);
