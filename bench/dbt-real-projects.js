#!/usr/bin/env node
'use strict';
/**
 * The dbt loader on real, public dbt projects that you keep outside this repository (their code is not
 * ours to commit). BENCH_DBT_PROJECTS names a folder; each sub-folder is one repository (a checkout or an
 * extracted snapshot). Without the variable, or with an empty folder, the script says so and exits 0.
 *
 * For every dbt project found (a dbt_project.yml outside dbt_packages/ and dbt_modules/), in one run:
 *   - a full load with no manifest (static resolution), timed (wall and CPU, median of BENCH_DBT_RUNS,
 *     default 3, after a warm-up), then an incremental load after touching one model file;
 *   - models resolved: enabled, non-ephemeral models that got a relation, over all enabled non-ephemeral
 *     models (a model the loader could not evaluate counts as unresolved; its reason is tallied);
 *   - when the repository commits a manifest.json (docs/ or target/ next to the project): the static
 *     relation of every model the manifest also has, compared with the manifest's. "silently wrong" counts
 *     models whose static relation differs from the manifest's (the loader stated a relation and it is
 *     not what dbt built); unresolved ones are not wrong, they are unresolved.
 *
 * The target the projects were built with is not in the repository. A file `<repo>.bench.json` next to
 * the repository folder may give `{ "projectPath", "targetName", "defaultSchema", "targetDatabase",
 * "vars", "manifest" }`; otherwise the target name is 'prod', the target schema is the most common schema
 * of manifest models without a custom schema ('analytics' when there is no manifest) and the database is
 * the manifest's most common database.
 */
const fs = require('node:fs');
const path = require('node:path');
const L = require('./lib');

const DIR = process.env.BENCH_DBT_PROJECTS;
const RUNS = Number(process.env.BENCH_DBT_RUNS || 3);
const { loadDbtProject, folderFiles } = L.dist('adapters/dbt');

function findProjects(repo) {
  const out = [];
  const walk = (dir, rel, depth) => {
    if (depth > 4) return;
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.isFile() && e.name === 'dbt_project.yml')) out.push(rel || '.');
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      if (
        ['dbt_packages', 'dbt_modules', 'node_modules', 'target', 'logs', 'integration_tests'].includes(
          e.name,
        )
      )
        continue;
      walk(path.join(dir, e.name), rel ? `${rel}/${e.name}` : e.name, depth + 1);
    }
  };
  walk(repo, '', 0);
  return out;
}

function findManifest(repo, projectPath) {
  for (const p of ['target/manifest.json', 'docs/manifest.json']) {
    for (const base of [path.join(repo, projectPath), repo]) {
      const f = path.join(base, p);
      if (fs.existsSync(f)) return f;
    }
  }
  return undefined;
}

function mostCommon(values) {
  const counts = new Map();
  for (const v of values) if (v) counts.set(v, (counts.get(v) || 0) + 1);
  let best;
  for (const [v, n] of counts) if (!best || n > best[1]) best = [v, n];
  return best && best[0];
}

function manifestModels(json, projectName) {
  const out = new Map();
  for (const n of Object.values(json.nodes || {})) {
    if (n.resource_type !== 'model' || n.package_name !== projectName) continue;
    const enabled = n.config ? n.config.enabled !== false : true;
    const materialized = n.config && n.config.materialized;
    out.set(n.unique_id, {
      relation:
        enabled && materialized !== 'ephemeral' ? `${n.database}.${n.schema}.${n.alias || n.name}` : null,
      customSchema: n.config && n.config.schema,
      schema: n.schema,
      database: n.database,
    });
  }
  return out;
}

function rel(r, db) {
  return r ? `${r.database ?? db ?? '?'}.${r.schema}.${r.name}` : null;
}

async function measure(fn) {
  const cpu0 = process.cpuUsage();
  const [seconds, result] = await L.timed(fn);
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6, result };
}

async function benchOne(repoDir, name, projectPath, settings) {
  const manifestFile = settings.manifest
    ? path.join(repoDir, settings.manifest)
    : findManifest(repoDir, projectPath);
  let manifest;
  const projectName = /^name:\s*['"]?([A-Za-z0-9_]+)/m.exec(
    fs.readFileSync(path.join(repoDir, projectPath, 'dbt_project.yml'), 'utf8'),
  )?.[1];
  if (manifestFile) manifest = manifestModels(JSON.parse(fs.readFileSync(manifestFile, 'utf8')), projectName);
  const mValues = manifest ? [...manifest.values()] : [];
  const opts = {
    projectPath,
    dbtVersion: '1.8',
    targetName: settings.targetName ?? 'prod',
    defaultSchema:
      settings.defaultSchema ??
      mostCommon(mValues.filter((m) => !m.customSchema).map((m) => m.schema)) ??
      'analytics',
    ...(settings.targetDatabase || mValues.length
      ? { targetDatabase: settings.targetDatabase ?? mostCommon(mValues.map((m) => m.database)) }
      : {}),
    vars: settings.vars ?? {},
    env: settings.env ?? {},
  };
  const label = `${name}${projectPath === '.' ? '' : `/${projectPath}`}`;
  let warm;
  try {
    warm = await loadDbtProject(folderFiles(repoDir), opts);
  } catch (err) {
    console.log(`${label}: the load failed: ${err.message}`);
    return { label, failed: err.message };
  }
  const full = [];
  const inc = [];
  const cat = warm.catalog;
  const own = cat.models.filter((m) => m.uniqueId.startsWith(`model.${cat.projectName}.`));
  const sample = own.find((m) => m.language === 'sql');
  const samplePath = sample && path.join(repoDir, sample.file);
  const original = samplePath && fs.readFileSync(samplePath, 'utf8');
  for (let r = 0; r < RUNS; r++) {
    const f = await measure(() => loadDbtProject(folderFiles(repoDir), opts));
    full.push(f);
    if (samplePath) {
      fs.writeFileSync(samplePath, `${original}\n-- bench edit ${r}\n`);
      try {
        inc.push(
          await measure(() => loadDbtProject(folderFiles(repoDir), { ...opts, previous: f.result.cache })),
        );
      } finally {
        fs.writeFileSync(samplePath, original);
      }
    }
  }
  const built = own.filter((m) => m.enabled && m.materialized !== 'ephemeral');
  const resolved = built.filter((m) => m.relation);
  const reasons = new Map();
  for (const m of built) {
    if (m.relation) continue;
    // grouped by what went wrong: the file, line and model name taken out
    const key = String(m.unresolvedReason || 'no reason')
      .replace(/^\S+ line \d+: /, '')
      .replace(/\bmodel \w+/g, 'model M')
      .replace(/\s+/g, ' ')
      .slice(0, 160);
    reasons.set(key, (reasons.get(key) || 0) + 1);
  }
  let compared = 0;
  let exact = 0;
  let wrong = 0;
  const wrongExamples = [];
  if (manifest) {
    for (const m of own) {
      const mm = manifest.get(m.uniqueId);
      if (!mm) continue;
      compared++;
      const ours = m.enabled && m.materialized !== 'ephemeral' ? rel(m.relation, opts.targetDatabase) : null;
      const theirs = mm.relation;
      if (ours && theirs && ours.toLowerCase() === theirs.toLowerCase()) exact++;
      else if (ours && theirs) {
        wrong++;
        if (wrongExamples.length < 3) wrongExamples.push(`${m.uniqueId}: ours ${ours}, manifest ${theirs}`);
      } else if (!ours && !theirs) exact++;
      else if (ours && !theirs) {
        wrong++;
        if (wrongExamples.length < 3) wrongExamples.push(`${m.uniqueId}: ours ${ours}, manifest: not built`);
      }
    }
  }
  const wall = L.median(full.map((x) => x.seconds));
  const cpu = L.median(full.map((x) => x.cpu));
  const incCpu = inc.length ? L.median(inc.map((x) => x.cpu)) : NaN;
  const pct = (a, b) => (b ? `${((a / b) * 100).toFixed(1)}%` : 'n/a');
  console.log(
    `\n${label}: ${own.length} models (${built.length} built), ${resolved.length} resolved (${pct(resolved.length, built.length)}), ` +
      `overrides: ${cat.overrides.map((o) => `${o.macro}→${o.handledAs}`).join(', ') || 'none'}, warnings: ${cat.warnings.length}`,
  );
  for (const [k, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`   ${n} × ${k}`);
  if (manifest) {
    console.log(
      `   manifest ${path.relative(repoDir, manifestFile)}: ${compared} compared, ${exact} exact, ${wrong} differ`,
    );
    for (const w of wrongExamples) console.log(`     ${w}`);
  }
  return {
    label,
    models: own.length,
    built: built.length,
    resolved: resolved.length,
    resolvedPct: pct(resolved.length, built.length),
    manifest: manifest ? `${exact}/${compared} exact, ${wrong} differ` : 'no manifest',
    wall,
    cpu,
    incPct: pct(incCpu, cpu),
  };
}

async function main() {
  if (!DIR || !fs.existsSync(DIR)) {
    console.log(
      'dbt-real-projects: BENCH_DBT_PROJECTS is not set or not a folder: nothing to measure (skipped).',
    );
    return;
  }
  const repos = fs
    .readdirSync(DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (repos.length === 0) {
    console.log(`dbt-real-projects: ${DIR} holds no repository folder: nothing to measure (skipped).`);
    return;
  }
  const only = process.env.BENCH_DBT_ONLY;
  const rows = [];
  for (const name of repos) {
    if (only && !name.includes(only)) continue;
    const repoDir = path.join(DIR, name);
    const settingsFile = path.join(DIR, `${name}.bench.json`);
    const settings = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
    const projects = settings.projectPath ? [settings.projectPath] : findProjects(repoDir);
    for (const p of projects) rows.push(await benchOne(repoDir, name, p, settings));
  }
  L.heading(`results (median of ${RUNS} loads)`);
  L.table(
    ['project', 'models', 'resolved', 'vs manifest', 'full wall', 'full cpu', 'incremental cpu / full'],
    rows.map((r) =>
      r.failed
        ? [r.label, 'load failed', '', '', '', '', '']
        : [
            r.label,
            String(r.models),
            `${r.resolved}/${r.built} (${r.resolvedPct})`,
            r.manifest,
            L.fmtS(r.wall),
            L.fmtS(r.cpu),
            r.incPct,
          ],
    ),
  );
  L.summary(
    'dbt-real-projects',
    rows.map((r) => [
      r.label,
      r.failed
        ? 'load failed'
        : `${r.resolvedPct} resolved, ${r.manifest}, cpu ${L.fmtS(r.cpu)}, inc ${r.incPct}`,
    ]),
  );
}

L.runMain('dbt-real-projects', main);
