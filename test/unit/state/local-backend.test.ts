import * as fs from 'node:fs';
import { join } from 'node:path';
import { LocalBackend } from '../../../src/state/local-backend';
import { serializeState } from '../../../src/state/state';
import type { StateFile } from '../../../src/state/types';
import { describeBackendSuite, shown } from './backend-suite';
import { resource, scratchDir, stateWith } from './builders';

describeBackendSuite('local', async () => {
  const dir = scratchDir();
  const path = join(dir.path, '.backflow', 'state.json');
  return {
    open: (options) => new LocalBackend({ path }, { lockRetryMs: 20, ...options }),
    writeRawState: async (text) => {
      fs.mkdirSync(join(dir.path, '.backflow'), { recursive: true });
      fs.writeFileSync(path, text);
    },
    readRawBackup: async () =>
      fs.existsSync(`${path}.backup`) ? fs.readFileSync(`${path}.backup`, 'utf8') : null,
    appendRawJournal: async (text) => fs.appendFileSync(`${path}.journal`, text),
    dispose: async () => dir.remove(),
  };
});

describe('local backend files', () => {
  const dir = scratchDir();
  afterAll(() => dir.remove());
  let n = 0;
  const fresh = (): { path: string; backend: LocalBackend } => {
    const path = join(dir.path, `ws${++n}`, 'nested', 'state.json');
    return { path, backend: new LocalBackend({ path }) };
  };

  it('creates the folder, writes stable 2-space JSON with a trailing newline, and leaves no temp files', async () => {
    const { path, backend } = fresh();
    const state = stateWith(2, 1);
    await backend.write(state);
    await backend.write({ ...state, serial: 2 });
    const text = fs.readFileSync(path, 'utf8');
    expect(text).toBe(serializeState((await backend.read()) as StateFile));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "format_version": 1,');
    expect(fs.readdirSync(join(path, '..')).sort()).toEqual(['state.json', 'state.json.backup']);
  });

  it('appends to the journal without rewriting the state, and removes the journal on write', async () => {
    const { path, backend } = fresh();
    const state = stateWith(3, 1);
    await backend.write(state);
    const stateBytes = backend.bytesWritten.state;
    const inode = fs.statSync(path).ino;
    await backend.appendJournal(state, { op: 'put', address: 'model.a', resource: resource('model', 'a') });
    await backend.appendJournal(state, { op: 'delete', address: 'model.m0' });
    expect(backend.bytesWritten.state).toBe(stateBytes);
    expect(fs.statSync(path).ino).toBe(inode);
    const lines = fs.readFileSync(`${path}.journal`, 'utf8').split('\n');
    expect(JSON.parse(lines[0])).toEqual({ journal: 1, lineage: state.lineage, serial: 1, salt: state.salt });
    expect(JSON.parse(lines[2])).toEqual({ op: 'delete', address: 'model.m0' });
    expect(lines[3]).toBe('');
    await backend.write({ ...((await backend.read()) as StateFile), serial: 2 });
    expect(fs.existsSync(`${path}.journal`)).toBe(false);
  });

  it('writes the lock as JSON naming the holder and its CI run', async () => {
    const { path } = fresh();
    const saved = { ...process.env };
    Object.assign(process.env, {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/analytics',
      GITHUB_RUN_ID: '42',
    });
    try {
      const held = await new LocalBackend({ path }).lock('apply');
      const info = JSON.parse(fs.readFileSync(`${path}.lock`, 'utf8'));
      expect(info).toEqual(held.info);
      expect(info.ci_url).toBe('https://github.com/acme/analytics/actions/runs/42');
      expect(info.who).toMatch(/^.+@.+ \(pid \d+\)$/);
      await held.release();
      expect(fs.existsSync(`${path}.lock`)).toBe(false);
    } finally {
      process.env = saved;
    }
  });

  it('reports a lock file it cannot read, and force-unlock says how to remove it', async () => {
    const { path, backend } = fresh();
    fs.mkdirSync(join(path, '..'), { recursive: true });
    fs.writeFileSync(`${path}.lock`, '');
    await expect(backend.lock('plan')).rejects.toThrow(/does not say who holds it/);
    await expect(backend.forceUnlock('x')).rejects.toThrow(/cannot be read/);
  });

  it('says there is no backup when a state written once is corrupt', async () => {
    const { path, backend } = fresh();
    await backend.write(stateWith(0, 1));
    fs.writeFileSync(path, 'not json');
    const err = await backend.read().catch((e: unknown) => e);
    expect(shown(err)).toContain(path);
    expect(shown(err)).toMatch(/no backup/);
  });

  it('refuses a journal with a corrupt line in the middle, naming the file and line', async () => {
    const { path, backend } = fresh();
    const state = stateWith(0, 1);
    await backend.write(state);
    await backend.appendJournal(state, { op: 'delete', address: 'model.a' });
    await backend.close();
    fs.appendFileSync(`${path}.journal`, 'garbage\n{"op":"delete","address":"model.b"}\n');
    await expect(new LocalBackend({ path }).read()).rejects.toThrow(`${path}.journal is corrupt at line 3`);
  });
});
