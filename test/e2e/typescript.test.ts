/**
 * TypeScript authoring through the real CLI: the example app's two stacks planned with refresh off, the
 * app of the repository's cdktf.json run as a child process, identical plans from JSON and TypeScript, and
 * every kind of bad input (exit 1, a clear message naming the stack or construct, state unchanged).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerraformStack } from 'cdktf';
import { buildApp } from '../../examples/typescript/main';
import { DbtCloud, Destination, GitSync, Model, Schedule, Secret, Source, Sync } from '../../src/constructs';
import { synth } from '../helpers/cdktf';
import { ROOT, runCli, type CliResult, expectNoErrorOutput } from '../helpers/cli';
import { scratchDir, writeConfig } from '../helpers/workspace';

const SECRETS = {
  STAGING_WAREHOUSE_PASSWORD: 'pw-staging-5150',
  STAGING_CRM_TOKEN: 'tok-staging-8086',
  PRODUCTION_WAREHOUSE_PASSWORD: 'pw-production-6502',
  PRODUCTION_CRM_TOKEN: 'tok-production-6809',
  WAREHOUSE_PASSWORD: 'pw-warehouse-1701',
  GIT_TOKEN: 'tok-git-2001',
  DBT_CLOUD_API_KEY: 'key-dbt-1138',
  CRM_TOKEN: 'tok-crm-4004',
};

const cli = (args: string[], cwd: string): Promise<CliResult> => runCli(args, { cwd, env: SECRETS });

/** The example app synthesized in-process, with its default stage settings (no warehouse is contacted). */
let example: string;

beforeAll(() => {
  const outdir = join(scratchDir('backflow-example-'), 'cdktf.out');
  buildApp({ outdir, env: {} }).synth();
  example = outdir;
});

describe('the TypeScript example', () => {
  it('plans both stacks with refresh off, each a workspace with its own summary', async () => {
    const dir = scratchDir();
    const r = await cli(['plan', '-refresh=false', '--synth-dir', example], dir);
    expectNoErrorOutput(r.stderr);
    expect(r.code).toBe(0);
    const [production, staging] = r.stdout.split(/^Stack: staging$/m);
    expect(production.startsWith('Stack: production\n\n')).toBe(true);
    for (const part of [production, staging]) {
      expect(part).toContain('Plan: 6 to add, 0 to change, 0 to destroy.');
      expect(part).toContain('# sync.orders_to_crm will be created');
    }
    expect(production).toContain('"https://hooks.example.com/crm"');
    expect(staging).toContain('"https://hooks.example.com/crm-staging"');
    expect(existsSync(join(dir, '.backflow', 'production', 'state.json'))).toBe(false);

    const one = await cli(
      ['plan', '-refresh=false', '--synth-dir', example, '--stack', 'staging', '--json'],
      dir,
    );
    expect(one.code).toBe(0);
    expect(one.stderr).toBe('Stack: staging\n\n');
    expect(JSON.parse(one.stdout).summary).toEqual({ add: 6, change: 0, destroy: 0 });
  });

  it('runs the app of the repository cdktf.json (tsc, then node) with no terraform binary or cdktf-cli', async () => {
    const r = await cli(['validate'], ROOT);
    expect(r.output).not.toContain('Backflow crashed');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Stack: production',
        '',
        'Success! The configuration is valid (6 resources).',
        '',
        'Stack: staging',
        '',
        'Success! The configuration is valid (6 resources).',
        '',
      ].join('\n'),
    );
    const manifest = JSON.parse(readFileSync(join(ROOT, 'cdktf.out', 'manifest.json'), 'utf8'));
    expect(Object.keys(manifest.stacks)).toEqual(['production', 'staging']);
  });
});

describe('JSON and TypeScript', () => {
  it('produce byte-identical JSON plans for the same setup', async () => {
    // Sections in schema order and names in order, as the cdktf front end declares them (synthesized JSON
    // keeps no construction order); `timestamp` and `config_hash` differ by nature and are blanked.
    const json = {
      sources: {
        warehouse: {
          warehouse: 'postgres',
          settings: {
            host: '127.0.0.1',
            port: 5432,
            database: 'analytics',
            user: 'retl',
            password: { env: 'WAREHOUSE_PASSWORD' },
            sslmode: 'disable',
          },
          managed_schema: '__segment_reverse_etl',
        },
      },
      git_syncs: {
        analytics: {
          source: 'warehouse',
          service: 'github',
          protocol: 'https',
          repository: 'https://github.com/acme/dbt.git',
          credentials: { token: { env: 'GIT_TOKEN' } },
          branch: 'main',
          dbt_version: '1.7',
          default_schema: 'analytics',
          project_path: '.',
        },
      },
      dbt_cloud: {
        main: {
          account_id: 1234,
          access_url: 'https://ab123.us1.dbt.com',
          api_key: { env: 'DBT_CLOUD_API_KEY' },
        },
      },
      models: {
        active_users: {
          source: 'warehouse',
          name: 'Active users',
          description: 'Users seen in the last 30 days',
          dbt_model: { git_sync: 'analytics', name: 'active_users' },
          primary_key: 'user_id',
          enabled: true,
        },
        big_orders: {
          source: 'warehouse',
          name: 'Big orders',
          query: 'select order_id, customer_id, amount from analytics.orders where amount > 1000',
          primary_key: 'order_id',
          enabled: true,
          lifecycle: { on_attached_change: 'fail', prevent_destroy: false },
        },
      },
      destinations: {
        crm: {
          type: 'webhook',
          url: 'https://hooks.example.com/crm',
          headers: { Authorization: { env: 'CRM_TOKEN' } },
        },
      },
      syncs: {
        orders_daily: {
          model: 'big_orders',
          destination: 'crm',
          schedule: {
            strategy: 'specific_days',
            days: ['mon', 'thu'],
            hours: [6, 18],
            timezone: 'Europe/Berlin',
          },
        },
        orders_hourly: {
          model: 'big_orders',
          destination: 'crm',
          enabled: true,
          mode: 'upsert',
          schedule: { strategy: 'periodic', interval: '1h' },
        },
        users_after: {
          model: 'active_users',
          destination: 'crm',
          enabled: false,
          mode: 'mirror',
          schedule: { strategy: 'after_sync', sync: 'users_to_crm' },
          mapping: { email: 'email' },
        },
        users_cron: {
          model: 'active_users',
          destination: 'crm',
          schedule: { strategy: 'cron', expression: '0 */2 * * *', timezone: 'UTC' },
        },
        users_manual: { model: 'active_users', destination: 'crm', schedule: { strategy: 'manual' } },
        users_to_crm: {
          model: 'active_users',
          destination: 'crm',
          enabled: true,
          mode: 'upsert',
          schedule: { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: 42 },
        },
      },
    };
    const ts = synth((app) => {
      const stack = new TerraformStack(app, 'main');
      const warehouse = new Source(stack, 'warehouse', {
        warehouse: 'postgres',
        settings: {
          host: '127.0.0.1',
          port: 5432,
          database: 'analytics',
          user: 'retl',
          password: Secret.env('WAREHOUSE_PASSWORD'),
          sslmode: 'disable',
        },
        managed_schema: '__segment_reverse_etl',
      });
      const git = new GitSync(stack, 'analytics', {
        source: warehouse,
        service: 'github',
        protocol: 'https',
        repository: 'https://github.com/acme/dbt.git',
        credentials: { token: Secret.env('GIT_TOKEN') },
        branch: 'main',
        dbt_version: '1.7',
        default_schema: 'analytics',
        project_path: '.',
      });
      const cloud = new DbtCloud(stack, 'main', {
        account_id: 1234,
        access_url: 'https://ab123.us1.dbt.com',
        api_key: Secret.env('DBT_CLOUD_API_KEY'),
      });
      const users = new Model(stack, 'active_users', {
        source: warehouse,
        name: 'Active users',
        description: 'Users seen in the last 30 days',
        dbt_model: git.model('active_users'),
        primary_key: 'user_id',
        enabled: true,
      });
      const orders = new Model(stack, 'big_orders', {
        source: warehouse,
        name: 'Big orders',
        query: 'select order_id, customer_id, amount from analytics.orders where amount > 1000',
        primary_key: 'order_id',
        enabled: true,
        lifecycle: { on_attached_change: 'fail', prevent_destroy: false },
      });
      const crm = new Destination(stack, 'crm', {
        type: 'webhook',
        url: 'https://hooks.example.com/crm',
        headers: { Authorization: Secret.env('CRM_TOKEN') },
      });
      const toCrm = new Sync(stack, 'users_to_crm', {
        model: users,
        destination: crm,
        enabled: true,
        mode: 'upsert',
        schedule: Schedule.dbtCloud(cloud, 42),
      });
      new Sync(stack, 'orders_hourly', {
        model: orders,
        destination: crm,
        enabled: true,
        mode: 'upsert',
        schedule: Schedule.periodic('1h'),
      });
      new Sync(stack, 'orders_daily', {
        model: orders,
        destination: crm,
        schedule: Schedule.specificDays({ days: ['thu', 'mon'], hours: [18, 6], timezone: 'Europe/Berlin' }),
      });
      new Sync(stack, 'users_cron', {
        model: users,
        destination: crm,
        schedule: Schedule.cron('0 */2 * * *', 'UTC'),
      });
      new Sync(stack, 'users_manual', { model: users, destination: crm, schedule: Schedule.manual() });
      new Sync(stack, 'users_after', {
        model: users,
        destination: crm,
        enabled: false,
        mode: 'mirror',
        schedule: Schedule.afterSync(toCrm),
        mapping: { email: 'email' },
      });
    });
    const jsonDir = scratchDir();
    writeConfig(jsonDir, json);
    const tsDir = scratchDir();
    const fromJson = await cli(['plan', '-refresh=false', '--json'], jsonDir);
    const fromTs = await cli(['plan', '-refresh=false', '--json', '--synth-dir', ts], tsDir);
    expect(fromJson.code).toBe(0);
    expect(fromTs.code).toBe(0);
    const blank = (text: string) =>
      text
        .replace(/"timestamp":"[^"]*"/, '"timestamp":""')
        .replace(/"config_hash":"[^"]*"/, '"config_hash":""');
    expect(JSON.parse(fromTs.stdout).summary).toEqual({ add: 12, change: 0, destroy: 0 });
    expect(blank(fromTs.stdout)).toBe(blank(fromJson.stdout));
  });
});

describe('bad input', () => {
  let dir: string;
  let good: string;

  /** A hand-written synth output: `stacks/<name>/cdk.tf.json`, no manifest (as --synth-dir accepts). */
  function handWritten(stacks: Record<string, unknown>): string {
    const outdir = join(scratchDir('backflow-handwritten-'), 'cdktf.out');
    for (const [name, json] of Object.entries(stacks)) {
      mkdirSync(join(outdir, 'stacks', name), { recursive: true });
      writeFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(json, null, 2));
    }
    return outdir;
  }
  const crm = (path: string) => ({
    '//': { metadata: { path, uniqueId: 'crm' } },
    type: 'webhook',
    url: 'https://hooks.example.com/crm',
  });

  function stateDigest(): string {
    const h = createHash('sha256');
    const walk = (folder: string): void => {
      for (const f of readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        const p = join(folder, f.name);
        if (f.isDirectory()) walk(p);
        else h.update(p).update(readFileSync(p));
      }
    };
    walk(join(dir, '.backflow'));
    return h.digest('hex');
  }

  beforeAll(async () => {
    // A workspace with state: a hand-written stack (as cdktn or any tool may write) holding a destination,
    // which needs no warehouse to apply.
    dir = scratchDir('backflow-ts-bad-');
    good = handWritten({
      production: { resource: { backflow_destination: { crm: crm('production/crm') } } },
      staging: { resource: { backflow_destination: { crm: crm('staging/crm') } } },
    });
    const r = await cli(['apply', '-auto-approve', '--synth-dir', good], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Stack: staging');
    expect(existsSync(join(dir, '.backflow', 'production', 'state.json'))).toBe(true);
    expect(existsSync(join(dir, '.backflow', 'staging', 'state.json'))).toBe(true);
  });

  const cases: [string, () => string[], RegExp[]][] = [
    [
      'an app that throws',
      () => {
        writeFileSync(
          join(dir, 'main.js'),
          "console.log('synth start');\nthrow new Error('no settings for stage prod');\n",
        );
        writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ app: 'node main.js' }));
        return ['plan'];
      },
      [
        /The cdktf app failed: `node main\.js` exited with code 1/,
        /synth start/,
        /Error: no settings for stage prod/,
      ],
    ],
    [
      'an app that does not compile',
      () => {
        writeFileSync(join(dir, 'main.ts'), "export const port: number = 'five';\n");
        // A small program: no @types, one lib, so the compiler starts fast.
        const compilerOptions = { strict: true, skipLibCheck: true, types: [], lib: ['es2020'] };
        writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
        const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
        writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ app: `node "${tsc}" -p . && node main.js` }));
        return ['apply', '-auto-approve'];
      },
      [
        /The cdktf app failed: .* exited with code 2/,
        /main\.ts\(1,14\): error TS2322: Type 'string' is not assignable to type 'number'/,
      ],
    ],
    [
      'a cdktf.json without "app"',
      () => {
        writeFileSync(
          join(dir, 'cdktf.json'),
          JSON.stringify({ language: 'typescript', output: 'cdktf.out' }),
        );
        return ['plan'];
      },
      [/cdktf\.json: missing field "app"/, /on cdktf\.json line 1, column 1, in \$/],
    ],
    [
      'an unknown stack name',
      () => ['plan', '--synth-dir', good, '--stack', 'prod'],
      [/No stack "prod" in the cdktf app/, /Stacks: production, staging\./],
    ],
    [
      'a resource type the engine does not know',
      () => [
        'apply',
        '-auto-approve',
        '--synth-dir',
        handWritten({
          production: {
            resource: {
              backflow_destination: { crm: crm('production/crm') },
              backflow_nope: { x: { '//': { metadata: { path: 'production/etl/x' } }, a: 1 } },
            },
          },
          staging: { resource: { backflow_destination: { crm: crm('staging/crm') } } },
        }),
      ],
      [
        /unknown Backflow resource type "backflow_nope"/,
        /in construct production\/etl\/x/,
        /stacks\/production\/cdk\.tf\.json line \d+, column \d+, in \$\.resource\.backflow_nope\.x/,
      ],
    ],
  ];

  it.each(cases)(
    '%s: exit 1, a clear message, no stack trace, state unchanged',
    async (_name, setup, expected) => {
      const before = stateDigest();
      const args = setup();
      const r = await cli(args, dir);
      expect(r.code).toBe(1);
      for (const re of expected) expect(r.output).toMatch(re);
      expect(r.output).not.toContain('Backflow crashed');
      expect(r.output).not.toMatch(/^\s+at .*dist\//m);
      expect(stateDigest()).toBe(before);
      expect(existsSync(join(dir, 'both.tfplan'))).toBe(false);
    },
  );

  it("saves one stack's plan, and refuses to apply it to another stack", async () => {
    const planFile = join(dir, 'staging.tfplan');
    const saved = await cli(['plan', '--synth-dir', good, '--stack', 'staging', '-out', planFile], dir);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain(`backflow apply ${planFile} --stack staging`);
    const before = stateDigest();
    const wrong = await cli(['apply', planFile, '--synth-dir', good, '--stack', 'production'], dir);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Saved plan is stale');
    const none = await cli(['apply', planFile, '--synth-dir', good], dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Choose it with --stack NAME.');
    expect(stateDigest()).toBe(before);
    const right = await cli(['apply', planFile, '--synth-dir', good, '--stack', 'staging'], dir);
    expect(right.code).toBe(0);
  });
});
