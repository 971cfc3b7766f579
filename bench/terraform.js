'use strict';
/**
 * Terraform beside Backflow, for the plan benchmarks: `terraform_data` resources shaped like a Backflow
 * workspace (a source, a destination, N models, N syncs each referencing its model's id), planned with
 * refresh off and kept off the network (see bench/README.md, plan-large).
 */
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const L = require('./lib');

function terraformConfig(models, syncs, { hub = false } = {}) {
  const parts = [
    'terraform {\n  required_version = ">= 1.4"\n}\n',
    'resource "terraform_data" "source" {\n  input = {\n    warehouse = "postgres"\n    host      = "127.0.0.1"\n  }\n}\n',
    'resource "terraform_data" "hook" {\n  input = {\n    type = "webhook"\n    url  = "https://hooks.example.com/backflow-bench"\n  }\n}\n',
  ];
  for (let i = 0; i < models; i++) {
    const n = L.pad(i, 5);
    parts.push(
      `resource "terraform_data" "m_${n}" {\n  input = {\n${hub ? '    source      = terraform_data.source.id\n' : ''}` +
        `    query       = "select id, v from t where id > ${n}"\n    primary_key = "id"\n  }\n}\n`,
    );
  }
  for (let i = 0; i < syncs; i++) {
    const n = L.pad(i, 5);
    parts.push(
      `resource "terraform_data" "s_${n}" {\n  input = {\n    model       = terraform_data.m_${L.pad(i % models, 5)}.id\n` +
        `    destination = ${hub ? 'terraform_data.hook.id' : '"hook"'}\n    mode        = "upsert"\n  }\n}\n`,
    );
  }
  return parts.join('\n');
}

function findTerraform() {
  const candidates = [process.env.BENCH_TERRAFORM, '/usr/local/bin/terraform'].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  const which = spawnSync('sh', ['-c', 'command -v terraform'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : undefined;
}

/**
 * How Terraform is kept off the network: in an empty network namespace when `unshare -n` works (no
 * interface but a down loopback: any attempt fails at once), and always with a CLI config whose only
 * provider source is an empty local mirror, checkpoint (version check) disabled and proxies pointed at a
 * closed loopback port.
 */
function terraformEnvironment(work) {
  const mirror = path.join(work, 'empty-provider-mirror');
  fs.mkdirSync(mirror, { recursive: true });
  const rc = path.join(work, 'terraformrc');
  fs.writeFileSync(
    rc,
    `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["*/*/*"]\n  }\n}\n`,
  );
  const env = {
    ...process.env,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    TF_CLI_CONFIG_FILE: rc,
    TF_INPUT: '0',
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '',
  };
  delete env.TF_PLUGIN_CACHE_DIR;
  const probe = spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
  const isolated = probe.status === 0;
  return { env, isolated };
}

async function terraform(tf, dir, args, tfEnv, timeoutMs, outDir) {
  const [cmd, argv] = tfEnv.isolated ? ['unshare', ['-n', tf, ...args]] : [tf, args];
  return L.runTimed(cmd, argv, { cwd: dir, env: tfEnv.env, timeoutMs, outDir, cpu: true });
}

async function terraformPlan(tf, work, name, models, syncs, tfEnv, timeoutMs, shape = {}) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'main.tf'), terraformConfig(models, syncs, shape));
  const init = await terraform(tf, dir, ['init', '-input=false', '-no-color'], tfEnv, 60_000, work);
  if (init.timedOut || init.code !== 0) {
    return {
      skipped:
        `terraform init ${init.timedOut ? 'timed out' : `exited ${init.code}`} ` +
        `(with the network ${tfEnv.isolated ? 'unreachable' : 'blocked by config'}: it probably tried to download something):\n` +
        L.tail(init.stdoutFile, 600) +
        L.tail(init.stderrFile, 600),
    };
  }
  const args = ['plan', '-refresh=false', '-input=false', '-lock=false', '-no-color'];
  const run = await terraform(tf, dir, args, tfEnv, timeoutMs, work);
  if (run.timedOut) return { timedOut: true, seconds: run.seconds };
  if (run.code !== 0) {
    return {
      skipped: `terraform plan exited ${run.code}:\n${L.tail(run.stderrFile)}${L.tail(run.stdoutFile)}`,
    };
  }
  const out = fs.readFileSync(run.stdoutFile, 'utf8');
  const line = /Plan: .*\./.exec(out);
  return {
    seconds: run.seconds,
    cpuSeconds: run.cpuSeconds,
    line: line ? line[0] : '(no plan line)',
    resources: models + syncs + 2,
  };
}

/** `Terraform v1.11.4` (first line of `terraform version`). */
function terraformVersion(tf) {
  return spawnSync(tf, ['version'], {
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' },
  }).stdout.split('\n')[0];
}

module.exports = {
  terraformConfig,
  findTerraform,
  terraformEnvironment,
  terraform,
  terraformPlan,
  terraformVersion,
};
