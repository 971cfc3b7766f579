/**
 * The verbs a Terraform user reaches for, through the real CLI: version (and --version --json), -chdir,
 * graph (DOT and Mermaid), fmt (-check exit 3, -diff), shell completion, BACKFLOW_IN_AUTOMATION.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli';
import { scratchDir } from '../helpers/workspace';

const CONFIG = {
  sources: {
    warehouse: {
      warehouse: 'postgres',
      settings: { host: '127.0.0.1', database: 'db', user: 'u', password: { env: 'NOT_SET_ANYWHERE' } },
    },
  },
  models: { orders: { source: 'warehouse', name: 'Orders', query: 'select 1 as id', primary_key: 'id' } },
  destinations: { crm: { type: 'webhook', url: 'https://hooks.example.com/crm' } },
  syncs: { s: { model: 'orders', destination: 'crm', schedule: { strategy: 'manual' } } },
};
const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));

function project(text = JSON.stringify(CONFIG)): string {
  const dir = scratchDir('backflow-verbs-');
  writeFileSync(join(dir, 'backflow.json'), text);
  return dir;
}

test('version and --version print the same, in Terraform words; --json is one document', async () => {
  const dir = project();
  const v = await runCli(['version'], { cwd: dir });
  expect(v.code).toBe(0);
  expect(v.stdout).toMatch(
    new RegExp(`^Backflow v${pkg.version.replace(/\./g, '\\.')}\\non [a-z0-9]+_[a-z0-9]+\\n$`),
  );
  expect((await runCli(['--version'], { cwd: dir })).stdout).toBe(v.stdout);
  const json = JSON.parse((await runCli(['--version', '--json'], { cwd: dir })).stdout);
  expect(json).toMatchObject({ backflow_version: pkg.version, node_version: process.versions.node });
});

test('-chdir runs as if started in that folder; a missing folder is a clear error', async () => {
  const dir = project();
  const ok = await runCli([`-chdir=${dir}`, 'validate'], { cwd: scratchDir() });
  expect(ok.code).toBe(0);
  expect(ok.stdout).toContain('The configuration is valid (4 resources)');
  const bad = await runCli(['-chdir=/no/such/folder', 'validate'], { cwd: dir });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('chdir /no/such/folder: no such file or directory');
  expect(bad.stderr).not.toMatch(/\n\s+at /);
});

test('graph prints DOT (valid for Graphviz) and Mermaid, from config alone', async () => {
  const dir = project();
  const dot = await runCli(['graph'], { cwd: dir });
  expect(dot.code).toBe(0);
  expect(dot.stdout).toContain('"sync.s" -> "model.orders"');
  expect(dot.stdout).toContain('"model.orders" -> "source.warehouse"');
  try {
    // Graphviz's parser, when installed, is the judge of the DOT.
    const svg = execFileSync('dot', ['-Tsvg'], { input: dot.stdout, encoding: 'utf8' });
    expect(svg).toContain('<svg');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const mermaid = await runCli(['graph', '-type=mermaid'], { cwd: dir });
  const lines = mermaid.stdout.trim().split('\n');
  expect(lines[0]).toBe('flowchart LR');
  const id = (address: string) =>
    /^ {2}(n\d+)\["(.*)"\]$/.exec(lines.find((l) => l.includes(`"${address}"`))!)![1];
  expect(lines).toContain(`  ${id('sync.s')} --> ${id('model.orders')}`);
});

test('fmt: -check exits 3 and writes nothing, -diff shows the change, fmt rewrites; comments-free JSON only', async () => {
  const text = JSON.stringify(CONFIG);
  const dir = project(text);
  const check = await runCli(['fmt', '-check', '-diff'], { cwd: dir });
  expect(check.code).toBe(3);
  expect(check.stdout).toContain('backflow.json');
  expect(check.stdout).toContain('+  "sources": {');
  expect(readFileSync(join(dir, 'backflow.json'), 'utf8')).toBe(text);
  expect((await runCli(['fmt'], { cwd: dir })).code).toBe(0);
  const formatted = readFileSync(join(dir, 'backflow.json'), 'utf8');
  expect(formatted).toBe(JSON.stringify(CONFIG, null, 2) + '\n');
  const again = await runCli(['fmt', '-check'], { cwd: dir });
  expect([again.code, again.stdout]).toEqual([0, '']);
  const broken = project('{"sources": {');
  const bad = await runCli(['fmt'], { cwd: broken });
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('Not valid JSON, so not formatted: backflow.json');
});

test('completion scripts parse in their shell and complete commands and flags', async () => {
  const dir = project();
  const bash = (await runCli(['completion', 'bash'], { cwd: dir })).stdout;
  const words = (line: string) =>
    execFileSync(
      'bash',
      [
        '-c',
        `${bash}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _backflow_complete; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    )
      .trim()
      .split(' ');
  expect(words('backflow pl')).toEqual(['plan']);
  expect(words('backflow state m')).toEqual(expect.arrayContaining(['mv', 'migrate']));
  expect(words('backflow plan --ref')).toEqual(expect.arrayContaining(['--refresh-only']));
  expect((await runCli(['completion', 'fish'], { cwd: dir })).stdout).toContain('complete -c backflow');
  const zsh = await runCli(['completion', 'zsh'], { cwd: dir });
  expect(zsh.stdout.split('\n')[0]).toContain('bashcompinit');
});

test('BACKFLOW_IN_AUTOMATION drops next-step hints, never results', async () => {
  const dir = project();
  const human = await runCli(['plan', '-refresh=false'], {
    cwd: dir,
    env: { NOT_SET_ANYWHERE: 'secret-value-x' },
  });
  expect(human.code).toBe(0);
  expect(human.stdout).toContain("Note: You didn't use the -out option");
  const ci = await runCli(['plan', '-refresh=false'], {
    cwd: dir,
    env: { NOT_SET_ANYWHERE: 'secret-value-x', BACKFLOW_IN_AUTOMATION: '1' },
  });
  expect(ci.stdout).not.toContain('Note:');
  expect(ci.stdout).toContain('Plan: 4 to add, 0 to change, 0 to destroy.');
});

test('validate needs no secret: an unset variable is a warning; --json is one document, valid or not', async () => {
  const dir = project();
  const human = await runCli(['validate'], { cwd: dir });
  expect(human.code).toBe(0);
  expect(human.stderr).toContain('Warning: Secret environment variable NOT_SET_ANYWHERE is not set');
  const json = await runCli(['validate', '--json'], { cwd: dir });
  expect(json.code).toBe(0);
  const doc = JSON.parse(json.stdout);
  expect(doc).toMatchObject({ valid: true, error_count: 0, warning_count: 1, resources: 4 });
  expect(doc.diagnostics[0]).toMatchObject({ severity: 'warning', address: 'source.warehouse' });

  const broken = project('{"sources": {"warehouse": {"warehouse": "postgres", "settings": {}}}, "models": {');
  for (const args of [
    ['validate', '--json'],
    ['plan', '--json'],
  ]) {
    const r = await runCli(args, { cwd: broken });
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const bad = JSON.parse(lines[0]);
    expect(bad.diagnostics[0]).toMatchObject({ severity: 'error', range: { filename: 'backflow.json' } });
    expect(bad.valid ?? !bad.errored).toBe(false);
  }
});
