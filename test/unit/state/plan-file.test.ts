import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../../src/errors';
import { loadPlan, savePlan, verifyPlan } from '../../../src/state/plan-file';
import { newState } from '../../../src/state/state';
import type { StateFile } from '../../../src/state/types';
import { shown } from './backend-suite';
import { plan, scratchDir, stateWith } from './builders';

const dir = scratchDir();
afterAll(() => dir.remove());
let n = 0;
const file = (): string => join(dir.path, `p${++n}`, 'plan.bfplan');

const VERSION = '0.1.0';
const CONFIG = 'sha256:config-a';

const mkfifo = (path: string): void => void execFileSync('mkfifo', [path]);

function errorOf(fn: () => void): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected an error');
}

describe('saved plans', () => {
  const state: StateFile = stateWith(2, 7);
  const against = plan({ prior_state: { lineage: state.lineage, serial: 7 } });

  it('round-trips, signed with the state salt, mode 0600', () => {
    const path = file();
    savePlan(path, against, state.salt);
    const loaded = loadPlan(path);
    expect(loaded.plan).toEqual(against);
    expect(loaded.signed_with).toBe('state-salt');
    expect(loaded.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(fs.statSync(path).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(join(path, '..'))).toEqual(['plan.bfplan']);
    expect(() => verifyPlan(loaded, state, CONFIG, VERSION)).not.toThrow();
  });

  it('refuses to save a plan made with no state: there would be no key to sign it with', () => {
    expect(() => savePlan(file(), plan(), 'ab'.repeat(32))).toThrow(/internal/);
  });

  it('refuses a file signed with a bare digest, which anyone could recompute after an edit', () => {
    const path = file();
    savePlan(path, against, state.salt);
    const text = fs.readFileSync(path, 'utf8').replace('"state-salt"', '"digest"');
    fs.writeFileSync(path, text);
    expect(errorOf(() => loadPlan(path)).message).toMatch(
      /is not a Backflow saved plan: it is signed with a bare digest .*which does not prove who made it/,
    );
  });

  /** The saved plan's text with `edit` applied to the JSON text of its first resource change. */
  function tampered(edit: (change: string) => string): string {
    const path = file();
    savePlan(path, against, state.salt);
    const text = fs.readFileSync(path, 'utf8');
    const at = text.indexOf('"address"');
    fs.writeFileSync(path, text.slice(0, at) + edit(text.slice(at)));
    return path;
  }

  it.each([
    [
      'a "__proto__" member',
      (t: string) => `"__proto__": { "action": "delete" },\n${t}`,
      /has a "__proto__" key/,
    ],
    [
      'a repeated key',
      (t: string) => `"action": "delete",\n${t}`,
      /the key "action" appears twice in one object/,
    ],
  ])('refuses a plan file with %s, which the signature would not see', (_what, edit, reason) => {
    const path = tampered(edit);
    const err = errorOf(() => loadPlan(path));
    expect(err.message).toMatch(/is not a Backflow saved plan: /);
    expect(err.message).toMatch(reason);
    expect(err.message).toMatch(/line \d+, column \d+, at \$\.plan\.resource_changes\[0\]/);
  });

  it('refuses a plan file with a field outside the signed plan', () => {
    const path = file();
    savePlan(path, against, state.salt);
    const body = JSON.parse(fs.readFileSync(path, 'utf8'));
    fs.writeFileSync(path, JSON.stringify({ ...body, apply_also: ['model.x'] }));
    expect(errorOf(() => loadPlan(path)).message).toMatch(/it has fields no plan file has: "apply_also"/);
  });

  it('refuses a plan file nested deeper than a plan can be, before parsing it', () => {
    const path = file();
    fs.mkdirSync(join(path, '..'), { recursive: true });
    fs.writeFileSync(path, `{"backflow_plan": 1, "plan": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(errorOf(() => loadPlan(path)).message).toMatch(
      /is not a Backflow saved plan: it nests deeper than 96 levels \(line 1, column \d+, at \$\.plan/,
    );
  });

  it.each([
    [
      'a folder',
      (p: string) => fs.mkdirSync(p, { recursive: true }),
      /is not a regular file \(it is a folder\)/,
    ],
    ['a named pipe', (p: string) => mkfifo(p), /is not a regular file \(it is a named pipe\)/],
    ['a symlink to /dev/zero', (p: string) => fs.symlinkSync('/dev/zero', p), /it is a character device/],
    [
      'a symlink loop',
      (p: string) => fs.symlinkSync(p, p),
      /cannot be read \(ELOOP: a loop of symbolic links\)/,
    ],
  ])('refuses a plan file that is %s, at once', (_what, make, reason) => {
    const path = file();
    fs.mkdirSync(join(path, '..'), { recursive: true });
    make(path);
    const err = errorOf(() => loadPlan(path));
    expect(err.message).toMatch(/^Saved plan /);
    expect(err.message).toMatch(reason);
  });

  it.each([
    ['a changed byte', (t: string) => t.replace('"Active users"', '"Active usert"')],
    ['a changed serial', (t: string) => t.replace('"serial": 7', '"serial": 8')],
  ])('refuses a plan file with %s as modified', (_what, tamper) => {
    const path = file();
    savePlan(path, against, state.salt);
    const text = fs.readFileSync(path, 'utf8');
    fs.writeFileSync(path, tamper(text));
    expect(fs.readFileSync(path, 'utf8')).not.toBe(text);
    const err = errorOf(() => verifyPlan(loadPlan(path), state, CONFIG, VERSION));
    expect(err.message).toBe(
      `Saved plan ${path} has been modified since it was created (signature mismatch)`,
    );
  });

  it.each([
    ['the serial moved', { ...state, serial: 8 }, CONFIG, VERSION, /the state serial moved from 7 to 8/],
    ['the lineage changed', { ...newState(), serial: 7 }, CONFIG, VERSION, /the state lineage changed from /],
    ['the state is gone', null, CONFIG, VERSION, /no longer exists/],
    [
      'the config changed',
      state,
      'sha256:config-b',
      VERSION,
      /the configuration changed since the plan was made/,
    ],
    ['Backflow changed', state, CONFIG, '0.2.0', /made by Backflow 0\.1\.0; this is Backflow 0\.2\.0/],
  ])('calls a plan stale when %s', (_what, current, config, version, reason) => {
    const path = file();
    savePlan(path, against, state.salt);
    const err = errorOf(() => verifyPlan(loadPlan(path), current, config as string, version as string));
    expect(err.message).toMatch(/^Saved plan is stale: /);
    expect(err.message).toMatch(reason as RegExp);
    expect(err.hint).toBe(`Run \`backflow plan --out ${path}\` again, review it, and apply the new plan.`);
  });

  it('lists every reason at once', () => {
    const path = file();
    savePlan(path, against, state.salt);
    const err = errorOf(() => verifyPlan(loadPlan(path), { ...state, serial: 9 }, 'other', VERSION));
    expect(err.message).toMatch(/serial moved from 7 to 9; the configuration changed/);
  });

  it.each([
    ['missing', null, /cannot be read \(ENOENT: it does not exist\)/],
    ['not JSON', 'plan: yes', /is not a Backflow saved plan: it is not JSON/],
    [
      'another JSON file',
      '{"resource_changes": []}',
      /is not a Backflow saved plan: it has no "backflow_plan" field/,
    ],
    [
      'damaged',
      '{"backflow_plan": 1, "signed_with": "state-salt", "signature": "x", "plan": {}}',
      /plan\.backflow_version is missing/,
    ],
    ['from a newer Backflow', '{"backflow_plan": 2}', /newer Backflow \(plan file format 2\)/],
  ])('names the file when it is %s', (_what, text, message) => {
    const path = file();
    if (text !== null) {
      fs.mkdirSync(join(path, '..'), { recursive: true });
      fs.writeFileSync(path, text);
    }
    const err = errorOf(() => loadPlan(path));
    expect(shown(err)).toContain(path);
    expect(err.message).toMatch(message);
  });

  it('takes the state itself in place of its salt', () => {
    const path = file();
    savePlan(path, against, state);
    expect(() => verifyPlan(loadPlan(path), state, CONFIG, VERSION)).not.toThrow();
  });

  it('refuses to save a plan made against a state without its salt', () => {
    expect(() => savePlan(file(), against, null)).toThrow(/internal/);
  });
});
