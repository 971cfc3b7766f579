/**
 * Attack: a saved plan travels (a CI artifact, a PR attachment) between `plan -out` and `apply FILE`.
 * Whoever can touch it in between must not be able to change what apply does: the first plan of a workspace
 * is signed as strongly as later ones, anything outside the signed canonical form makes the file invalid,
 * and apply refuses values (a secret read again at apply) other than those the plan showed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../helpers/cli';
import { scratchDir, writeConfig } from '../../helpers/workspace';

const TOKEN = 'tok-saved-plan-secret-1';
const config = (url: string): Record<string, unknown> => ({
  destinations: {
    crm: { type: 'webhook', url, headers: { Authorization: { env: 'CRM_TOKEN' } } },
  },
});

let dir: string;
const cli = (args: string[], token = TOKEN) => runCli(args, { cwd: dir, env: { CRM_TOKEN: token } });
const state = (): any => JSON.parse(readFileSync(join(dir, '.backflow', 'state.json'), 'utf8'));
const noStackTrace = (output: string): void => expect(output).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);

beforeEach(() => {
  dir = scratchDir('backflow-saved-plan-');
  writeConfig(dir, config('https://hooks.example.com/v1'));
});

test('the first plan of a workspace is signed with a key kept in its state, and applies', async () => {
  const planned = await cli(['plan', '-out=first.plan']);
  expect(planned.code).toBe(0);
  expect(planned.stderr).toContain('No state yet: recorded an empty state');
  const file = JSON.parse(readFileSync(join(dir, 'first.plan'), 'utf8'));
  expect(file.signed_with).toBe('state-salt');
  expect(file.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
  expect(state()).toMatchObject({ serial: 1, resources: {} });
  expect(file.plan.prior_state).toEqual({ lineage: state().lineage, serial: 1 });

  const applied = await cli(['apply', 'first.plan']);
  expect(applied.code).toBe(0);
  expect(Object.keys(state().resources)).toEqual(['destination.crm']);
});

test('plan without -out still writes nothing', async () => {
  expect((await cli(['plan'])).code).toBe(0);
  expect(existsSync(join(dir, '.backflow', 'state.json'))).toBe(false);
});

test('a first plan edited and re-digested, as the old digest-only format allowed, is refused', async () => {
  expect((await cli(['plan', '-out=first.plan'])).code).toBe(0);
  const file = JSON.parse(readFileSync(join(dir, 'first.plan'), 'utf8'));
  file.plan.resource_changes[0].after.url = 'https://attacker.example.net/';
  file.signed_with = 'digest';
  file.signature = 'sha256:' + createHash('sha256').update(JSON.stringify(file.plan)).digest('hex');
  writeFileSync(join(dir, 'first.plan'), JSON.stringify(file));
  const applied = await cli(['apply', 'first.plan']);
  expect(applied.code).toBe(1);
  expect(applied.stderr).toMatch(/first\.plan is not a Backflow saved plan: it is signed with a bare digest/);
  noStackTrace(applied.output);
  expect(state().resources).toEqual({});
});

test.each([
  [
    'a "__proto__" member',
    (t: string) => t.replace('"action":', '"__proto__": {"action": "delete"}, "action":'),
  ],
  ['a repeated key', (t: string) => t.replace('"action":', '"action": "delete", "action":')],
  ['a field outside the plan', (t: string) => t.replace('{', '{ "also_apply": ["destination.x"],')],
])('a saved plan with %s is invalid: exit 1, nothing applied', async (_what, edit) => {
  expect((await cli(['plan', '-out=p.plan'])).code).toBe(0);
  const path = join(dir, 'p.plan');
  writeFileSync(path, edit(readFileSync(path, 'utf8')));
  const applied = await cli(['apply', 'p.plan']);
  expect(applied.code).toBe(1);
  expect(applied.stderr).toMatch(/p\.plan is not a Backflow saved plan: /);
  noStackTrace(applied.output);
  expect(state().resources).toEqual({});
});

test('apply uses exactly the reviewed values: a secret changed since the plan makes it stale', async () => {
  expect((await cli(['apply', '-auto-approve'])).code).toBe(0);
  const before = state();
  writeConfig(dir, config('https://hooks.example.com/v2'));
  expect((await cli(['plan', '-out=p.plan'])).code).toBe(0);

  const other = await cli(['apply', 'p.plan'], 'tok-another-secret-22');
  expect(other.code).toBe(1);
  expect(other.stderr).toMatch(
    /Saved plan is stale: apply would use other values than the plan shows for destination\.crm \(headers\)/,
  );
  expect(other.output).not.toContain('tok-another-secret-22');
  expect(state()).toEqual(before);

  const same = await cli(['apply', 'p.plan']);
  expect(same.code).toBe(0);
  expect(state().resources['destination.crm'].attributes.url).toBe('https://hooks.example.com/v2');
});
