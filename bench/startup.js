#!/usr/bin/env node
'use strict';
/**
 * Start-up cost of the CLI beside Terraform's, measured in one run: CPU seconds (user + system, from
 * /usr/bin/time) of `backflow validate` on a tiny config and `backflow --version`, against `terraform
 * validate` on an empty configuration and `terraform version`. Median of N runs each; prints the ratios.
 * Goal (issue 13): no slower than Terraform. Terraform is skipped, and said so, when it is not installed.
 *
 *   node bench/startup.js [N]
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = path.resolve(__dirname, '..', 'bin', 'backflow.js');
const N = Number(process.argv[2] ?? 15);

function cpuSeconds(cmd, args, cwd) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %e', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' },
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [user, sys, wall] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { cpu: user + sys, wall };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(label, cmd, args, cwd) {
  cpuSeconds(cmd, args, cwd); // warm the file cache
  const runs = Array.from({ length: N }, () => cpuSeconds(cmd, args, cwd));
  const out = { label, cpu: median(runs.map((r) => r.cpu)), wall: median(runs.map((r) => r.wall)) };
  console.log(
    `${label.padEnd(28)} cpu ${out.cpu.toFixed(3)} s   wall ${out.wall.toFixed(3)} s   (median of ${N})`,
  );
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backflow-startup-'));
fs.writeFileSync(
  path.join(dir, 'backflow.json'),
  JSON.stringify({ destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } } }),
);
fs.writeFileSync(path.join(dir, 'main.tf'), 'terraform {}\n');

const node = process.execPath;
const bfValidate = measure('backflow validate', node, [BIN, 'validate'], dir);
const bfVersion = measure('backflow --version', node, [BIN, '--version'], dir);
const bare = measure('node -e 0 (floor)', node, ['-e', '0'], dir);
const hasTerraform = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;
if (!hasTerraform) {
  console.log('terraform is not installed: no comparison');
} else {
  const tfValidate = measure('terraform validate', 'terraform', ['validate'], dir);
  const tfVersion = measure('terraform version', 'terraform', ['version'], dir);
  console.log(
    `SUMMARY startup | validate cpu, backflow / terraform | ${(bfValidate.cpu / tfValidate.cpu).toFixed(1)}x`,
  );
  console.log(
    `SUMMARY startup | --version cpu, backflow / terraform | ${(bfVersion.cpu / tfVersion.cpu).toFixed(1)}x`,
  );
}
console.log(`SUMMARY startup | node -e 0 cpu (the floor of any Node CLI) | ${bare.cpu.toFixed(3)} s`);
fs.rmSync(dir, { recursive: true, force: true });
