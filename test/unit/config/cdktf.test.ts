/**
 * The cdktf front end: a synthesized stack loads into the same DesiredState as the equivalent JSON config,
 * each stack is its own workspace, and every problem names the stack file, JSON path and construct path.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { loadCdktfConfig } from '../../../src/config/cdktf/load';
import { loadConfig } from '../../../src/config/load';
import type { DesiredState } from '../../../src/config/desired';
import {
  Backend,
  DbtCloud,
  Destination,
  GitSync,
  Model,
  Schedule,
  Secret,
  Source,
  Sync,
} from '../../../src/constructs';
import { DiagnosticsError, UserError } from '../../../src/errors';
import { synth } from '../../helpers/cdktf';

const scratch = (prefix = 'backflow-cdktf-') => mkdtempSync(join(tmpdir(), prefix));

/** The same setup as `JSON_CONFIG`, as constructs. */
function addSetup(stack: Construct): void {
  const etl = new Construct(stack, 'etl');
  const warehouse = new Source(etl, 'warehouse', {
    warehouse: 'postgres',
    settings: {
      host: '127.0.0.1',
      port: 5432,
      database: 'analytics',
      user: 'retl',
      password: Secret.env('PW'),
    },
  });
  const git = new GitSync(etl, 'analytics', {
    source: warehouse,
    repository: 'https://github.com/acme/dbt.git',
    credentials: { token: Secret.env('GIT_TOKEN') },
    default_schema: 'analytics',
  });
  const cloud = new DbtCloud(etl, 'main', { account_id: 1234, api_key: Secret.env('DBT_KEY') });
  const users = new Model(etl, 'active_users', {
    source: warehouse,
    name: 'Active users',
    dbt_model: git.model('active_users'),
    primary_key: 'user_id',
  });
  const orders = new Model(etl, 'big_orders', {
    source: warehouse,
    name: 'Big orders',
    query: 'select order_id from analytics.orders where amount > 1000',
    primary_key: 'order_id',
    lifecycle: { on_attached_change: 'pause' },
  });
  const crm = new Destination(etl, 'crm', {
    type: 'webhook',
    url: 'https://hooks.example.com/crm',
    headers: { Authorization: Secret.env('CRM_TOKEN'), 'X-Team': 'data' },
  });
  const first = new Sync(etl, 'users_to_crm', {
    model: users,
    destination: crm,
    schedule: Schedule.dbtCloud(cloud, 42),
  });
  new Sync(etl, 'orders_to_crm', {
    model: orders,
    destination: crm,
    schedule: Schedule.afterSync(first),
    mapping: { id: 'order_id' },
  });
}

const JSON_CONFIG = {
  sources: {
    warehouse: {
      warehouse: 'postgres',
      settings: {
        host: '127.0.0.1',
        port: 5432,
        database: 'analytics',
        user: 'retl',
        password: { env: 'PW' },
      },
    },
  },
  git_syncs: {
    analytics: {
      source: 'warehouse',
      repository: 'https://github.com/acme/dbt.git',
      credentials: { token: { env: 'GIT_TOKEN' } },
      default_schema: 'analytics',
    },
  },
  dbt_cloud: { main: { account_id: 1234, api_key: { env: 'DBT_KEY' } } },
  models: {
    active_users: {
      source: 'warehouse',
      name: 'Active users',
      dbt_model: { git_sync: 'analytics', name: 'active_users' },
      primary_key: 'user_id',
    },
    big_orders: {
      source: 'warehouse',
      name: 'Big orders',
      query: 'select order_id from analytics.orders where amount > 1000',
      primary_key: 'order_id',
      lifecycle: { on_attached_change: 'pause' },
    },
  },
  destinations: {
    crm: {
      type: 'webhook',
      url: 'https://hooks.example.com/crm',
      headers: { Authorization: { env: 'CRM_TOKEN' }, 'X-Team': 'data' },
    },
  },
  syncs: {
    orders_to_crm: {
      model: 'big_orders',
      destination: 'crm',
      schedule: { strategy: 'after_sync', sync: 'users_to_crm' },
      mapping: { id: 'order_id' },
    },
    users_to_crm: {
      model: 'active_users',
      destination: 'crm',
      schedule: { strategy: 'dbt_cloud', dbt_cloud: 'main', job_id: 42 },
    },
  },
};

/** What the engine sees of a workspace, as text: equal text is the same graph, attribute order included. */
const graph = (d: DesiredState): string =>
  JSON.stringify([...d.resources.values()].map((r) => [r.address, r.attributes, r.lifecycle, r.dependsOn]));

const load = (synthDir: string, extra: { stack?: string; dir?: string } = {}) =>
  loadCdktfConfig({ dir: extra.dir ?? scratch(), synthDir, readSecrets: false, stack: extra.stack });

async function problems(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DiagnosticsError)
      return err.diagnostics
        .map((d) => [d.summary, d.construct, d.file, d.path, d.line, d.detail].join(' | '))
        .join('\n');
    if (err instanceof UserError) return `${err.message} | ${err.hint ?? ''}`;
    throw err;
  }
  throw new Error('expected the load to fail');
}

/** A hand-written synth output: `stacks/<name>/cdk.tf.json` for each stack, no manifest. */
function handWritten(stacks: Record<string, unknown>): string {
  const outdir = scratch('backflow-handwritten-');
  for (const [name, json] of Object.entries(stacks)) {
    mkdirSync(join(outdir, 'stacks', name), { recursive: true });
    writeFileSync(join(outdir, 'stacks', name, 'cdk.tf.json'), JSON.stringify(json, null, 2));
  }
  return outdir;
}

const meta = (path: string) => ({ '//': { metadata: { path, uniqueId: path.split('/').pop() } } });

describe('cdktf front end', () => {
  it('loads a synthesized stack into the same graph as the equivalent JSON config', async () => {
    const out = synth((app) => addSetup(new TerraformStack(app, 'production')));
    const [stack] = await load(out);
    const dir = scratch();
    writeFileSync(join(dir, 'backflow.json'), JSON.stringify(JSON_CONFIG));
    const json = await loadConfig({ dir, readSecrets: false });
    expect(stack.name).toBe('production');
    expect(graph(stack.desired)).toBe(graph(json));
    const origin = stack.desired.resources.get('model.big_orders')!.origin;
    expect(origin).toMatchObject({
      construct: 'production/etl/big_orders',
      path: '$.resource.backflow_model.big_orders',
    });
    expect(origin.file).toMatch(/stacks\/production\/cdk\.tf\.json$/);
    expect(origin.line).toBeGreaterThan(1);
  });

  it('makes every stack a workspace with its own state, and selects one with --stack', async () => {
    const out = synth((app) => {
      addSetup(new TerraformStack(app, 'staging'));
      const production = new TerraformStack(app, 'production');
      addSetup(production);
      new Backend(production, 'state', { type: 'pg', connection_string: Secret.env('STATE_URL') });
    });
    const dir = scratch();
    const stacks = await load(out, { dir });
    expect(stacks.map((s) => s.name)).toEqual(['production', 'staging']);
    expect(stacks[1].desired.backend).toEqual({
      type: 'local',
      path: join(dir, '.backflow/staging/state.json'),
    });
    // A shared Postgres state keeps stacks apart by workspace.
    expect(stacks[0].desired.backend).toMatchObject({
      type: 'pg',
      workspace: 'production',
      schema: 'backflow',
    });
    expect(stacks[0].desired.configHash).not.toBe(stacks[1].desired.configHash);
    expect((await load(out, { stack: 'staging' })).map((s) => s.name)).toEqual(['staging']);
    expect(await problems(load(out, { stack: 'stagin' }))).toBe(
      'No stack "stagin" in the cdktf app; did you mean "staging"? | Stacks: production, staging.',
    );
  });

  it('reads hand-written Terraform JSON of the same shape, names or tokens, without a manifest', async () => {
    const out = handWritten({
      main: {
        terraform: { backend: { local: { path: '/somewhere/on/a/laptop/terraform.main.tfstate' } } },
        provider: { aws: [{ region: 'eu-west-1' }] },
        resource: {
          aws_s3_bucket: { logs: { bucket: 'logs' } },
          backflow_destination: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
          backflow_sync: {
            a: { model: 'm', destination: '${backflow_destination.crm.id}' },
          },
          backflow_model: {
            m: { source: 's', name: 'M', query: "select 1 as id, '$${literal}' as t", primary_key: 'id' },
          },
          backflow_source: {
            s: { warehouse: 'postgres', settings: { host: 'h', database: 'd', user: 'u' } },
          },
        },
      },
    });
    const [stack] = await load(out);
    // Sections in schema order (as backflow.json writes them), names in order within each.
    expect([...stack.desired.resources.keys()]).toEqual(['source.s', 'model.m', 'destination.crm', 'sync.a']);
    expect(stack.desired.resources.get('sync.a')!.attributes).toMatchObject({
      model: 'm',
      destination: 'crm',
    });
    expect(stack.desired.resources.get('model.m')!.attributes.query).toBe(
      "select 1 as id, '${literal}' as t",
    );
    expect(stack.desired.resources.get('sync.a')!.dependsOn).toEqual(['model.m', 'destination.crm']);
  });

  it('reports a resource type the engine does not know, with its construct path', async () => {
    const out = handWritten({
      main: { resource: { backflow_nope: { x: { ...meta('main/etl/x'), a: 1 } } } },
    });
    expect(await problems(load(out))).toMatch(
      /^unknown Backflow resource type "backflow_nope"; did you mean "backflow_model"\? \| main\/etl\/x \| .*stacks\/main\/cdk\.tf\.json \| \$\.resource\.backflow_nope\.x \| 4 \| Backflow manages backflow_source, /,
    );
  });

  it('points schema and rule errors at the construct, the stack file and the field', async () => {
    const out = synth((app) => {
      const stack = new TerraformStack(app, 'production');
      const crm = new Destination(stack, 'crm', { type: 'webhook', url: 'https://hooks.example.com/crm' });
      const other = new Destination(stack, 'other', { type: 'webhook', url: 'https://hooks.example.com/o' });
      // Types stop both of these in TypeScript; JavaScript apps and hand-written JSON get here.
      new Sync(stack, 'bad', { model: other as any, destination: crm, schedule: Schedule.periodic('5m') });
      new Model(stack, 'typo', { source: crm as any, name: 'T', query: 'select 1', primay_key: 'id' } as any);
    });
    const text = await problems(load(out));
    expect(text).toMatch(
      /unknown field "primay_key"; did you mean "primary_key"\? \| production\/typo \| .* \| \$\.resource\.backflow_model\.typo \| \d+/,
    );
    expect(text).toMatch(
      /sync\.bad: model must reference a model, but "destination\.other" is a destination \| production\/bad \| .* \| \$\.resource\.backflow_sync\.bad\.model/,
    );
    expect(text).toMatch(
      /5m.* \| production\/bad \| .* \| \$\.resource\.backflow_sync\.bad\.schedule\.interval/,
    );
  });

  it('refuses Terraform expressions, cross-stack references and meta-arguments', async () => {
    const out = handWritten({
      main: {
        resource: {
          backflow_destination: { crm: { type: 'webhook', url: 'https://${var.host}/x', depends_on: ['x'] } },
          backflow_sync: {
            a: {
              ...meta('main/a'),
              model: '${backflow_model.m.name}',
              destination: '${data.terraform_remote_state.cross-stack-reference-input-other.outputs.x}',
            },
          },
        },
      },
    });
    const text = await problems(load(out));
    expect(text).toContain('url holds a Terraform expression: https://${var.host}/x');
    expect(text).toContain('Terraform meta-argument "depends_on" is not supported by Backflow');
    expect(text).toMatch(
      /model reads attribute "name" of backflow_model\.m \| main\/a \| .* \| \$\.resource\.backflow_sync\.a\.model/,
    );
    expect(text).toContain('destination references a resource of another stack');
  });

  it('allows one backend per stack', async () => {
    const out = handWritten({
      main: { resource: { backflow_backend: { a: { type: 'local' }, b: { type: 'local' } } } },
    });
    expect(await problems(load(out))).toMatch(/stack main declares more than one backend/);
  });

  it('needs an "app" in cdktf.json, shows the output of an app that fails, and reads no stale output', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'cdktf.json'), '{\n  "language": "typescript"\n}\n');
    expect(await problems(loadCdktfConfig({ dir }))).toMatch(
      /^cdktf\.json: missing field "app" \| {2}\| .*cdktf\.json \| \$ \| 1 \| "app" is the command/,
    );
    // A previous synth left a manifest: the failing app must not be read as if it had written it.
    mkdirSync(join(dir, 'cdktf.out'));
    writeFileSync(join(dir, 'cdktf.out', 'manifest.json'), '{"stacks":{}}');
    writeFileSync(
      join(dir, 'cdktf.json'),
      JSON.stringify({
        app: `node -e "console.log('synthesizing'); throw new Error('no stage settings for prod')"`,
      }),
    );
    const text = await problems(loadCdktfConfig({ dir }));
    expect(text).toMatch(/^The cdktf app failed: `node -e .*` exited with code 1 \| /);
    expect(text).toContain('synthesizing');
    expect(text).toContain('Error: no stage settings for prod');
  });
});
