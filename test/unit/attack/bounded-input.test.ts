/**
 * Attack: input files that are not what they claim to be. A secret file, config file, state or journal that
 * is a FIFO, a device (`/dev/zero`), a folder, a symlink loop, huge, nested a million levels deep, or (state)
 * holding a key twice must stop at once with a UserError naming the file and the fix: never a hang, never
 * memory exhausted, never a stack overflow.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { manifestFromFile } from '../../../src/engine/dbt-load-options';
import { UserError } from '../../../src/errors';
import { MAX_CONFIG_DEPTH, MAX_STATE_DEPTH } from '../../../src/input/input-limits';
import { nestingProblem, repeatedKeyProblem } from '../../../src/input/json-limits';
import { readBoundedFile } from '../../../src/input/read-bounded-file';
import { LocalBackend } from '../../../src/state/local-backend';
import { parseState, serializeState } from '../../../src/state/state';
import { baseConfig, cleanFixtures, fixture, problems, summaries } from '../config/fixtures';
import { stateWith } from '../state/builders';

afterAll(cleanFixtures);

const mkfifo = (path: string): void => void execFileSync('mkfifo', [path]);
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

/** Special files every reader must refuse, each made at `path`, with what the message says it is. */
const SPECIAL: [string, (path: string) => void, RegExp][] = [
  ['a named pipe', mkfifo, /is not a regular file \(it is a named pipe\)/],
  ['/dev/zero', (p) => fs.symlinkSync('/dev/zero', p), /is not a regular file \(it is a character device\)/],
  ['/dev/urandom', (p) => fs.symlinkSync('/dev/urandom', p), /it is a character device/],
  ['a folder', (p) => fs.mkdirSync(p), /is not a regular file \(it is a folder\)/],
  ['a symlink loop', (p) => fs.symlinkSync(p, p), /cannot be read \(ELOOP: a loop of symbolic links\)/],
];

describe('readBoundedFile', () => {
  const opts = { what: 'Test file', maxBytes: 1000, fix: 'Use a small regular file.' };

  it.each(SPECIAL)('refuses %s, naming it and the fix', (_what, make, reason) => {
    const path = join(fixture({}), 'f');
    make(path);
    const err = errorOf(() => readBoundedFile(path, opts));
    expect(err.message).toMatch(new RegExp(`^Test file ${path} `));
    expect(err.message).toMatch(reason);
    expect(err.hint).toMatch(/^Use a small regular file\./);
  });

  it('reads a file up to the limit, and refuses one byte more', () => {
    const dir = fixture({ ok: 'x'.repeat(1000), big: 'x'.repeat(1001) });
    expect(readBoundedFile(join(dir, 'ok'), opts).length).toBe(1000);
    expect(errorOf(() => readBoundedFile(join(dir, 'big'), opts)).message).toBe(
      `Test file ${join(dir, 'big')} is larger than the limit of 1000 bytes (1001 bytes)`,
    );
  });

  it('reads through an ordinary symlink (mounted secrets are symlinks)', () => {
    const dir = fixture({ real: 'value' });
    fs.symlinkSync(join(dir, 'real'), join(dir, 'link'));
    expect(readBoundedFile(join(dir, 'link'), opts).toString()).toBe('value');
  });
});

describe('json limits', () => {
  it('finds nesting past the limit before parsing, with line, column and path, on any text', () => {
    const text = `{\n  "a": {"b": [${deep(100)}]}}`;
    expect(nestingProblem(text, 64)).toMatchObject({
      line: 2,
      column: 76, // "  \"a\": {\"b\": [" is 14 characters; levels 4 to 65 follow
      path: '$.a.b[0][0][0][0][0][0]…',
      message: 'it nests deeper than 64 levels',
    });
    expect(nestingProblem(text, 200)).toBeUndefined();
    // Brackets inside strings (escaped quotes too) are not nesting; unterminated text does not hang.
    expect(nestingProblem(JSON.stringify({ s: '[[[[\\"[[[[' }), 2)).toBeUndefined();
    expect(nestingProblem('"' + '['.repeat(1e6), 1)).toBeUndefined();
    expect(nestingProblem(deep(1e6), MAX_STATE_DEPTH)?.offset).toBe(MAX_STATE_DEPTH);
  });

  it('finds a repeated key, decoded, with its path; and any "__proto__" key', () => {
    expect(repeatedKeyProblem('{"a": [1, {"k": 1, "x": {"k": 2}, "\\u006b": 3}]}')).toMatchObject({
      path: '$.a[1].k',
      message: 'the key "k" appears twice in one object',
      column: 35,
    });
    expect(repeatedKeyProblem('{"a": {"__proto__": {"polluted": 1}}}')).toMatchObject({
      path: '$.a.__proto__',
      message: 'it has a "__proto__" key',
    });
    expect(repeatedKeyProblem('{"a": {"k": 1}, "b": {"k": 1}, "c": ["k", "k"]}')).toBeUndefined();
  });
});

describe('secret files', () => {
  it.each(SPECIAL)(
    'a secret file that is %s is a config error naming the file, at once',
    async (_w, make, reason) => {
      const c = baseConfig();
      (c.sources.warehouse as { settings: Record<string, unknown> }).settings.password = { file: 'pw' };
      const dir = fixture({ 'backflow.json': c });
      make(join(dir, 'pw'));
      const [message] = summaries(await problems(dir, {}));
      expect(message).toMatch(
        new RegExp(`^source\\.warehouse settings\\.password: secret file ${join(dir, 'pw')} `),
      );
      expect(message).toMatch(reason);
    },
  );

  it('a secret file over 1 MiB is refused', async () => {
    const c = baseConfig();
    (c.sources.warehouse as { settings: Record<string, unknown> }).settings.password = { file: 'pw' };
    const dir = fixture({ 'backflow.json': c, pw: 'x'.repeat(1024 * 1024 + 1) });
    expect(summaries(await problems(dir, {}))[0]).toMatch(/is larger than the limit of 1 MiB/);
  });
});

describe('config files', () => {
  it.each(SPECIAL)('a backflow.json that is %s is refused by name', async (_what, make, reason) => {
    const dir = fixture({});
    make(join(dir, 'backflow.json'));
    const err = await rejection(problems(dir));
    expect(err.message).toMatch(/^Config file .*backflow\.json /);
    expect(err.message).toMatch(reason);
  });

  it('a config nested deeper than 64 levels is a diagnostic with its place, before any parser recurses', async () => {
    const dir = fixture({ 'backflow.json': `{"models": {"m": {"query": ${deep(1e6)}}}}` });
    const [d] = await problems(dir);
    expect(d).toMatchObject({
      summary: `invalid JSON: it nests deeper than ${MAX_CONFIG_DEPTH} levels`,
      file: 'backflow.json',
      path: '$.models.m.query[0][0][0][0][0]…',
      line: 1,
    });
  });
});

describe('state', () => {
  const text = serializeState(stateWith(2, 3));

  it('refuses a state with a repeated key, naming the key and its place', () => {
    const doubled = text.replace('"serial": 3,', '"serial": 3,\n  "serial": 9,');
    expect(errorOf(() => parseState(doubled, 'state.json')).message).toMatch(
      /^State file state\.json is corrupt: the key "serial" appears twice in one object \(line \d+, column 3, at \$\.serial\)$/,
    );
  });

  it('refuses a state with a "__proto__" key', () => {
    const polluted = text.replace('"resources": {', '"resources": {"__proto__": {"x": 1},');
    expect(errorOf(() => parseState(polluted, 'state.json')).message).toMatch(/has a "__proto__" key/);
  });

  it('refuses a state nested too deep, before parsing it', () => {
    const nested = text.replace('"resources": {', `"x": ${deep(1e5)}, "resources": {`);
    expect(errorOf(() => parseState(nested, 'state.json')).message).toMatch(
      new RegExp(
        `is corrupt: it nests deeper than ${MAX_STATE_DEPTH} levels \\(line \\d+, column \\d+, at \\$\\.x`,
      ),
    );
  });

  it.each(SPECIAL)('a local state file that is %s is refused by name', async (_what, make, reason) => {
    const path = join(fixture({}), 'state.json');
    make(path);
    const err = await rejection(new LocalBackend({ path }).read());
    expect(err.message).toMatch(new RegExp(`^State file ${path} `));
    expect(err.message).toMatch(reason);
  });

  it('a journal line nested too deep is corruption at that line', async () => {
    const path = join(fixture({}), 'state.json');
    const state = stateWith(1, 1);
    fs.writeFileSync(path, serializeState(state));
    const header = JSON.stringify({ journal: 1, lineage: state.lineage, serial: 1, salt: state.salt });
    fs.writeFileSync(`${path}.journal`, `${header}\n{"op": "put", "address": ${deep(1e5)}}\n`);
    const err = await rejection(new LocalBackend({ path }).read());
    expect(err.message).toMatch(/journal is corrupt at line 2: it nests deeper than 96 levels/);
  });
});

describe('dbt manifest_file', () => {
  it.each(SPECIAL)('a manifest_file that is %s is refused by name', (_what, make, reason) => {
    const dir = fixture({});
    make(join(dir, 'manifest.json'));
    const err = errorOf(() => manifestFromFile('git_sync.dbt', { manifest_file: 'manifest.json' }, dir));
    expect(err.message).toMatch(/^git_sync\.dbt: manifest_file "manifest\.json" /);
    expect(err.message).toMatch(reason);
  });

  it('a manifest nested too deep is refused before parsing', () => {
    const dir = fixture({ 'manifest.json': `{"nodes": ${deep(1e6)}}` });
    expect(
      errorOf(() => manifestFromFile('git_sync.dbt', { manifest_file: 'manifest.json' }, dir)).message,
    ).toMatch(
      /manifest_file manifest\.json is not a dbt manifest: it nests deeper than 512 levels \(line 1, column \d+, at \$\.nodes/,
    );
  });
});
