/**
 * Every kind of bad input, through the real CLI: exit 1, a message that names the file and JSON path (or
 * the resource address) and says what is wrong, no stack trace, and nothing written to state.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { scratchDir, writeConfig } from '../helpers/workspace';

const ENV = { CRM_TOKEN: 'tok-bad-input-secret-99' };
let dir: string;

/** A workspace that needs no warehouse: destinations and syncs' references are records. */
const valid = (): Record<string, any> => ({
  destinations: {
    crm: {
      type: 'webhook',
      url: 'https://hooks.example.com/crm',
      headers: { Authorization: { env: 'CRM_TOKEN' } },
    },
  },
});

function stateDigest(): string {
  const folder = join(dir, '.backflow');
  const h = createHash('sha256');
  for (const f of readdirSync(folder).sort()) h.update(f).update(readFileSync(join(folder, f)));
  return h.digest('hex');
}

beforeAll(async () => {
  dir = scratchDir('backflow-bad-');
  writeConfig(dir, valid());
  const r = await runCli(['apply', '-auto-approve'], { cwd: dir, env: ENV });
  expect(r.code).toBe(0);
});

const model = { source: 'warehouse', name: 'M', query: 'select id from t', primary_key: 'id' };
const source = { warehouse: 'postgres', settings: { host: '127.0.0.1', database: 'a', user: 'u' } };

const cases: [string, () => void, RegExp[]][] = [
  [
    'malformed JSON',
    () =>
      writeFileSync(
        join(dir, 'backflow.json'),
        '{\n  "destinations": {\n    "crm": { "type": "webhook" "url": "x" }\n  }\n}\n',
      ),
    [/backflow\.json line 3, column \d+/],
  ],
  [
    'an unknown key',
    () => writeConfig(dir, { ...valid(), destinations: { crm: { ...valid().destinations.crm, urll: 'x' } } }),
    [/unknown field "urll"/i, /did you mean "url"/i, /\$\.destinations\.crm/],
  ],
  [
    'a wrong type',
    () =>
      writeConfig(dir, {
        ...valid(),
        sources: { warehouse: { ...source, settings: { ...source.settings, port: 'five' } } },
      }),
    [/\$\.sources\.warehouse\.settings\.port/, /integer/],
  ],
  [
    'a missing secret',
    () =>
      writeConfig(dir, {
        ...valid(),
        sources: {
          warehouse: { ...source, settings: { ...source.settings, password: { env: 'NOPE_NOT_SET' } } },
        },
      }),
    [/NOPE_NOT_SET/, /\$\.sources\.warehouse\.settings\.password/],
  ],
  [
    'a reference to nothing',
    () =>
      writeConfig(dir, {
        ...valid(),
        sources: { warehouse: source },
        models: { m: { ...model, source: 'warehose' } },
      }),
    [/warehose/, /did you mean "warehouse"/i, /\$\.models\.m\.source/],
  ],
  [
    'a cycle',
    () =>
      writeConfig(dir, {
        ...valid(),
        sources: { warehouse: source },
        models: { m: model },
        syncs: {
          a: { model: 'm', destination: 'crm', schedule: { strategy: 'after_sync', sync: 'b' } },
          b: { model: 'm', destination: 'crm', schedule: { strategy: 'after_sync', sync: 'a' } },
        },
      }),
    [/sync\.a -> sync\.b -> sync\.a|sync\.b -> sync\.a -> sync\.b/],
  ],
  [
    'the same name in two files',
    () => {
      writeConfig(dir, valid(), 'a.backflow.json');
      writeConfig(dir, valid(), 'b.backflow.json');
      rmSync(join(dir, 'backflow.json'));
    },
    [/destination\.crm/, /a\.backflow\.json/, /b\.backflow\.json/],
  ],
  [
    'a cron schedule more often than every 15 minutes',
    () =>
      writeConfig(dir, {
        ...valid(),
        sources: { warehouse: source },
        models: { m: model },
        syncs: {
          a: {
            model: 'm',
            destination: 'crm',
            schedule: { strategy: 'cron', expression: '*/5 * * * *', timezone: 'UTC' },
          },
        },
      }),
    [/15 minutes/, /\$\.syncs\.a\.schedule/],
  ],
  [
    'six dbt Cloud syncs on one model',
    () =>
      writeConfig(dir, {
        ...valid(),
        sources: { warehouse: source },
        dbt_cloud: { main: { account_id: 1, api_key: { env: 'CRM_TOKEN' } } },
        models: { m: model },
        syncs: Object.fromEntries(
          [1, 2, 3, 4, 5, 6].map((i) => [
            `s${i}`,
            {
              model: 'm',
              destination: 'crm',
              schedule: { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: i },
            },
          ]),
        ),
      }),
    [/model\.m|\$\.models\.m|\$\.syncs/, /5/],
  ],
  ['a Terraform-style flag value that is wrong', () => writeConfig(dir, valid()), [/parallelism/]],
];

describe.each(cases)('%s', (name, write, patterns) => {
  it('exits 1 with a clear message and writes nothing', async () => {
    const before = stateDigest();
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) rmSync(join(dir, f));
    writeConfig(dir, valid());
    write();
    const args = name.startsWith('a Terraform-style')
      ? ['apply', '-auto-approve', '-parallelism=zero']
      : ['apply', '-auto-approve'];
    const r = await runCli(args, { cwd: dir, env: ENV });
    expect(r.code).toBe(1);
    for (const p of patterns) expect(r.output).toMatch(p);
    expect(r.output).not.toMatch(/\n\s+at .+\.js:\d+/); // no stack trace
    expect(r.output).not.toContain('crashed');
    expect(r.output).not.toContain(ENV.CRM_TOKEN);
    expect(stateDigest()).toBe(before);
  });
});
