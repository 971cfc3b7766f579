#!/usr/bin/env node
'use strict';
/**
 * Start-up cost of the CLI beside Terraform's, measured in one run: CPU time (user + system) of `backflow
 * validate` on a tiny config and `backflow --version`, against `terraform validate` on an empty
 * configuration, `terraform version`, and `node -e 0` (the floor of any Node CLI). Prints the ratios.
 * Goal (issue 13): no slower than Terraform. Terraform is skipped, and said so, when it is not installed.
 *
 *   node bench/startup.js [N] [ROUNDS]
 *
 * CPU time comes from bash's `times` (the children's user and system time, in milliseconds) over a batch of
 * N runs, so one figure is a mean over N processes at millisecond precision (`/usr/bin/time` rounds each
 * process to 10 ms, as much as Terraform's whole start). The commands take turns, batch by batch, so they
 * see the same machine load; the figure printed is the median of ROUNDS batches.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BIN = path.resolve(__dirname, '..', 'bin', 'backflow.js');
const N = Number(process.argv[2] ?? 10);
const ROUNDS = Number(process.argv[3] ?? 7);
const ENV = { ...process.env, NO_COLOR: '1', TF_CLI_CONFIG_FILE: '/dev/null', CHECKPOINT_DISABLE: '1' };

/** Mean CPU seconds per run of `cmd args` over `n` runs; throws when a run fails. */
function batchCpu(cmd, args, cwd, n) {
  const script = 'n=$1; shift; for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 || exit 97; done; times';
  const r = spawnSync('bash', ['-c', script, 'bash', String(n), cmd, ...args], {
    cwd,
    encoding: 'utf8',
    env: ENV,
  });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (bash exit ${r.status}): ${r.stderr}`);
  // `times` prints the shell's own user/system line, then its children's.
  const children = r.stdout.trim().split('\n').pop();
  const seconds = children.split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    if (!m) throw new Error(`unexpected \`times\` output: ${r.stdout}`);
    return Number(m[1]) * 60 + Number(m[2]);
  });
  return (seconds[0] + seconds[1]) / n;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backflow-startup-'));
fs.writeFileSync(
  path.join(dir, 'backflow.json'),
  JSON.stringify({ destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } } }),
);
fs.writeFileSync(path.join(dir, 'main.tf'), 'terraform {}\n');

const node = process.execPath;
const commands = [
  { key: 'bfValidate', label: 'backflow validate', cmd: node, args: [BIN, 'validate'] },
  { key: 'bfVersion', label: 'backflow --version', cmd: node, args: [BIN, '--version'] },
  { key: 'floor', label: 'node -e 0 (floor)', cmd: node, args: ['-e', '0'] },
];
const hasTerraform = spawnSync('terraform', ['version'], { encoding: 'utf8', env: ENV }).status === 0;
if (hasTerraform) {
  commands.push(
    { key: 'tfValidate', label: 'terraform validate', cmd: 'terraform', args: ['validate'] },
    { key: 'tfVersion', label: 'terraform version', cmd: 'terraform', args: ['version'] },
  );
}

for (const c of commands) batchCpu(c.cmd, c.args, dir, 2); // warm the file cache
const samples = Object.fromEntries(commands.map((c) => [c.key, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of commands) samples[c.key].push(batchCpu(c.cmd, c.args, dir, N));
}
const cpu = {};
for (const c of commands) {
  cpu[c.key] = median(samples[c.key]);
  console.log(`${c.label.padEnd(24)} cpu ${(cpu[c.key] * 1000).toFixed(1).padStart(6)} ms per run`);
}
console.log(`(mean of ${N} runs per batch, median of ${ROUNDS} batches; commands take turns)`);

const ratio = (a, b) => `${(a / b).toFixed(2)}x`;
if (!hasTerraform) {
  console.log('terraform is not installed: no comparison');
} else {
  console.log(
    `SUMMARY startup | validate cpu, backflow / terraform | ${ratio(cpu.bfValidate, cpu.tfValidate)}`,
  );
  console.log(
    `SUMMARY startup | --version cpu, backflow / terraform | ${ratio(cpu.bfVersion, cpu.tfVersion)}`,
  );
  console.log(
    `SUMMARY startup | node -e 0 cpu / terraform version (Node's own floor) | ${ratio(cpu.floor, cpu.tfVersion)}`,
  );
}
console.log(
  `SUMMARY startup | validate cpu above node -e 0 | ${((cpu.bfValidate - cpu.floor) * 1000).toFixed(1)} ms`,
);
console.log(
  `SUMMARY startup | --version cpu above node -e 0 | ${((cpu.bfVersion - cpu.floor) * 1000).toFixed(1)} ms`,
);
fs.rmSync(dir, { recursive: true, force: true });
