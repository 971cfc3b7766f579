#!/usr/bin/env node
'use strict';
/**
 * Plan of a large workspace from JSON with refresh off: 1 source + 1 destination + 10,000 SQL models +
 * 10,000 syncs (mixed schedules: manual, periodic, cron in two time zones, specific days).
 *
 *   (a) floor: loadConfig = read + parse + schema-validate + normalise + config rules
 *   (b) plan:  loadConfig + planWorkspace(refresh off, no state) + JSON rendering, in-process
 *   (c) CLI:   `node bin/backflow.js plan -refresh=false -c DIR`, wall time of the real process
 *   (d) Terraform 1.x `terraform plan -refresh=false` of a same-size graph of terraform_data resources
 *       (a source, a destination, N models, N syncs each referencing its model's id), run first, kept off the
 *       network (empty network namespace via `unshare -n` when possible, an empty provider mirror, no
 *       checkpoint). Backflow vs Terraform compares CLI wall time with CLI wall time.
 *
 * In-process numbers are the median of 3 runs after a warm-up run (the warm-up uses the 1/10 size config,
 * which exercises the same code; BENCH_FULL_WARMUP=1 warms up on the full size instead). The same steps at
 * 1/10 size give a per-resource scaling ratio (flat = 1.0; above 1 means cost grows faster than the config).
 *
 * Sizes: BENCH_PLAN_MODELS (default 10000), BENCH_PLAN_SYNCS (default = models), BENCH_PLAN_SMALL_DIVISOR
 * (default 10). Terraform: BENCH_TERRAFORM (path, default /usr/local/bin/terraform or PATH), BENCH_TF_TIMEOUT_S
 * (default 120: when the full size would take longer, Terraform and Backflow are compared per resource at the
 * small size only, and the output says so).
 */
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const L = require('./lib');

const MODELS = Number(process.env.BENCH_PLAN_MODELS || 10000);
const SYNCS = Number(process.env.BENCH_PLAN_SYNCS || MODELS);
const DIVISOR = Number(process.env.BENCH_PLAN_SMALL_DIVISOR || 10);
const SMALL_MODELS = Math.max(1, Math.round(MODELS / DIVISOR));
const SMALL_SYNCS = Math.max(1, Math.round(SYNCS / DIVISOR));
const RUNS = 3;
const TF_TIMEOUT_S = Number(process.env.BENCH_TF_TIMEOUT_S || 120);
/**
 * BENCH_TF_HUB=1: models also reference terraform_data.source and syncs terraform_data.hook, as Backflow's
 * do. Off by default: Terraform slows down sharply on such fan-in (hub) nodes, see README.
 */
const HUB = process.env.BENCH_TF_HUB === '1';

const { loadConfig } = L.dist('config/load');
const { planWorkspace } = L.dist('engine/plan-workspace');
const { Connections } = L.dist('engine/connections');
const { renderJson } = L.dist('render/json-plan');
const { summaryLine } = L.dist('engine/plan');

// The source is never contacted with refresh off, but loading config reads its secret.
process.env.WAREHOUSE_PASSWORD = process.env.WAREHOUSE_PASSWORD || 'not-used-with-refresh-off';
const SETTINGS = { host: '127.0.0.1', port: 5432, database: 'analytics', user: 'retl' };

/** One in-process plan: floor (loadConfig), then plan + JSON, timed apart. */
async function planOnce(dir) {
  const t0 = L.now();
  const desired = await loadConfig({ dir });
  const load = L.secondsSince(t0);
  const t1 = L.now();
  const connections = new Connections(desired.configDir);
  const { plan } = await planWorkspace(
    desired,
    null,
    { mode: 'normal', targets: [], refresh: false },
    connections,
  );
  const planS = L.secondsSince(t1);
  const t2 = L.now();
  const json = renderJson(plan);
  const render = L.secondsSince(t2);
  await connections.closeAll();
  if (plan.errored) throw new Error(`plan has errors: ${JSON.stringify(plan.diagnostics.slice(0, 3))}`);
  return {
    load,
    plan: planS,
    render,
    full: load + planS + render,
    resources: desired.resources.size,
    line: summaryLine(plan),
    jsonBytes: Buffer.byteLength(json),
  };
}

async function inProcess(label, dir, runs, warmups) {
  for (const w of warmups) await planOnce(w);
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const s = await planOnce(dir);
    samples.push(s);
    console.log(
      `  ${label} run ${i + 1}/${runs}: loadConfig ${L.fmtS(s.load)}, planWorkspace ${L.fmtS(s.plan)}, ` +
        `JSON ${L.fmtS(s.render)}, total ${L.fmtS(s.full)}`,
    );
  }
  const pick = (k) => L.median(samples.map((s) => s[k]));
  return {
    load: pick('load'),
    plan: pick('plan'),
    render: pick('render'),
    full: pick('full'),
    resources: samples[0].resources,
    line: samples[0].line,
    jsonBytes: samples[0].jsonBytes,
  };
}

const { findTerraform, terraformEnvironment, terraformPlan: tfPlan } = require('./terraform');

/** Terraform's plan of this benchmark's shape (see ./terraform.js). */
function terraformPlan(tf, work, name, models, syncs, tfEnv, timeoutMs) {
  return tfPlan(tf, work, name, models, syncs, tfEnv, timeoutMs, { hub: HUB });
}

/** The real CLI, one run: wall seconds. */
async function backflowCli(work, dir, n) {
  const r = await L.runCli(['plan', '-refresh=false', '-c', dir], { cwd: work, outDir: work });
  if (r.code !== 0)
    throw new Error(`backflow plan exited ${r.code}: ${L.tail(r.stderrFile)}${L.tail(r.stdoutFile, 400)}`);
  const m = /Plan: .*\./.exec(fs.readFileSync(r.stdoutFile, 'utf8'));
  console.log(
    `  backflow  ${L.fmtInt(n)} resources: ${L.fmtS(r.seconds)} wall (${m ? m[0] : 'no plan line'})`,
  );
  return r.seconds;
}

/**
 * CLI against CLI, in pairs run back to back so both tools see the same machine load: Terraform then
 * Backflow at the small size, then at full size (Terraform's full size only when it is projected to take
 * under BENCH_TF_TIMEOUT_S; it is stopped if it does not).
 */
async function cliSide(work, smallDir, bigDir) {
  const nSmall = SMALL_MODELS + SMALL_SYNCS + 2;
  const nBig = MODELS + SYNCS + 2;
  L.heading(
    'CLI vs CLI: `backflow plan -refresh=false -c DIR` and `terraform plan -refresh=false -input=false -lock=false`',
  );
  const tf = { note: undefined };
  const tfBin = findTerraform();
  let tfEnv;
  if (!tfBin) {
    tf.note = 'terraform not found: skipped';
  } else {
    const version = spawnSync(tfBin, ['version'], {
      encoding: 'utf8',
      env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' },
    }).stdout.split('\n')[0];
    tfEnv = terraformEnvironment(work);
    console.log(
      `  ${version} at ${tfBin}; network: ${tfEnv.isolated ? 'none (unshare -n: empty network namespace)' : 'blocked by CLI config + proxy (unshare unavailable)'}`,
    );
  }

  // Small size: Terraform, then Backflow.
  if (tfEnv) {
    const s = await terraformPlan(
      tfBin,
      work,
      'tf-small',
      SMALL_MODELS,
      SMALL_SYNCS,
      tfEnv,
      TF_TIMEOUT_S * 1000,
    );
    if (s.skipped) tf.note = `skipped: ${s.skipped}`;
    else if (s.timedOut)
      tf.note = `terraform plan of ${L.fmtInt(nSmall)} resources took over ${TF_TIMEOUT_S}s: skipped`;
    else {
      tf.small = s;
      console.log(`  terraform ${L.fmtInt(s.resources)} resources: ${L.fmtS(s.seconds)} wall (${s.line})`);
    }
    if (tf.note) console.log(`  terraform: ${tf.note}`);
  }
  const cliSmall = await backflowCli(work, smallDir, nSmall);

  // Full size: Terraform (if it fits), then Backflow.
  if (tf.small) {
    // Terraform's plan time grew ~2x faster than linear from 2k to 20k resources on the reference machine.
    const projected = tf.small.seconds * ((MODELS + SYNCS) / (SMALL_MODELS + SMALL_SYNCS)) * 2.2;
    const limit = TF_TIMEOUT_S;
    if (projected > limit) {
      tf.note =
        `full size not run: projected ${L.fmtS(projected)} > ${L.fmtS(limit)} limit; ` +
        `compared per resource at ${L.fmtInt(tf.small.resources)} resources only`;
    } else {
      const b = await terraformPlan(tfBin, work, 'tf-big', MODELS, SYNCS, tfEnv, limit * 1000);
      if (b.timedOut) {
        tf.note = `full size took over ${L.fmtS(limit)} and was stopped; compared per resource at ${L.fmtInt(tf.small.resources)} resources only`;
      } else if (b.skipped) {
        tf.note = `full size skipped: ${b.skipped}`;
      } else {
        tf.big = b;
        console.log(`  terraform ${L.fmtInt(b.resources)} resources: ${L.fmtS(b.seconds)} wall (${b.line})`);
      }
    }
    if (tf.note) console.log(`  terraform: ${tf.note}`);
  }
  const cliBig = await backflowCli(work, bigDir, nBig);
  return { tf, cliSmall, cliBig };
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const work = L.tempDir('plan-large');
  const bigDir = path.join(work, 'big');
  const smallDir = path.join(work, 'small');
  L.heading(
    `plan-large: ${L.fmtInt(MODELS)} models + ${L.fmtInt(SYNCS)} syncs (+1 source, +1 destination), refresh off`,
  );
  const bigBytes = L.writeConfig(
    bigDir,
    L.workspaceConfig({ models: MODELS, syncs: SYNCS, settings: SETTINGS }),
  );
  L.writeConfig(
    smallDir,
    L.workspaceConfig({ models: SMALL_MODELS, syncs: SMALL_SYNCS, settings: SETTINGS }),
  );
  const cronShare = L.SCHEDULES.filter((s) => s.strategy === 'cron').length / L.SCHEDULES.length;
  console.log(
    `config: ${L.fmtBytes(bigBytes)} of JSON; schedules cycle over ${L.SCHEDULES.map((s) => s.strategy).join(', ')} ` +
      `(${Math.round(cronShare * 100)}% cron). Small config: ${L.fmtInt(SMALL_MODELS)} + ${L.fmtInt(SMALL_SYNCS)}.`,
  );
  // CLI against CLI first: Terraform's full-size run is the longest single step and the headline comparison.
  const { tf, cliSmall, cliBig } = await cliSide(work, smallDir, bigDir);
  const fullWarmup = process.env.BENCH_FULL_WARMUP === '1';

  L.heading(
    `in-process, small (${L.fmtInt(SMALL_MODELS + SMALL_SYNCS + 2)} resources): 1 warm-up + ${RUNS} runs`,
  );
  const small = await inProcess('small', smallDir, RUNS, [smallDir]);
  L.heading(
    `in-process, full (${L.fmtInt(MODELS + SYNCS + 2)} resources): ${RUNS} runs ` +
      `(warm-up: ${fullWarmup ? 'one full-size run' : 'the small runs above'})`,
  );
  const big = await inProcess('full', bigDir, RUNS, fullWarmup ? [bigDir] : []);
  console.log(`  plan says: ${big.line}; JSON plan ${L.fmtBytes(big.jsonBytes)}`);

  // ------------------------------------------------------------------------------------------ results
  const nBig = MODELS + SYNCS + 2;
  const nSmall = SMALL_MODELS + SMALL_SYNCS + 2;
  const perRes = (s, n) => (s / n) * 1e6; // microseconds per resource
  L.heading('results (seconds are medians; ratios are measured side by side in this run)');
  const rows = [
    [
      '(a) floor: loadConfig',
      L.fmtS(small.load),
      L.fmtS(big.load),
      perRes(small.load, nSmall).toFixed(0),
      perRes(big.load, nBig).toFixed(0),
    ],
    [
      '    planWorkspace (refresh off)',
      L.fmtS(small.plan),
      L.fmtS(big.plan),
      perRes(small.plan, nSmall).toFixed(1),
      perRes(big.plan, nBig).toFixed(1),
    ],
    [
      '    render JSON',
      L.fmtS(small.render),
      L.fmtS(big.render),
      perRes(small.render, nSmall).toFixed(1),
      perRes(big.render, nBig).toFixed(1),
    ],
    [
      '(b) plan in-process = load+plan+JSON',
      L.fmtS(small.full),
      L.fmtS(big.full),
      perRes(small.full, nSmall).toFixed(0),
      perRes(big.full, nBig).toFixed(0),
    ],
    [
      '(c) CLI plan -refresh=false (wall)',
      L.fmtS(cliSmall),
      L.fmtS(cliBig),
      perRes(cliSmall, nSmall).toFixed(0),
      perRes(cliBig, nBig).toFixed(0),
    ],
    [
      '(d) terraform plan -refresh=false',
      tf.small ? L.fmtS(tf.small.seconds) : 'n/a',
      tf.big ? L.fmtS(tf.big.seconds) : 'n/a',
      tf.small ? perRes(tf.small.seconds, tf.small.resources).toFixed(0) : 'n/a',
      tf.big ? perRes(tf.big.seconds, tf.big.resources).toFixed(0) : 'n/a',
    ],
  ];
  L.table(['step', `${L.fmtInt(nSmall)} res`, `${L.fmtInt(nBig)} res`, 'us/res small', 'us/res full'], rows);

  const planOverFloor = big.full / big.load;
  const loadScaling = perRes(big.load, nBig) / perRes(small.load, nSmall);
  const planScaling = perRes(big.full, nBig) / perRes(small.full, nSmall);
  const cliOverInProcess = cliBig / big.full;
  console.log('');
  console.log(
    `plan / floor (full size, in-process):                  ${L.fmtRatio(planOverFloor)}  (1.00 = planning adds nothing over loading config)`,
  );
  console.log(
    `per-resource loadConfig time, full / small size:        ${L.fmtRatio(loadScaling)}  (1.00 = linear; above = superlinear)`,
  );
  console.log(`per-resource in-process plan time, full / small size:  ${L.fmtRatio(planScaling)}`);
  console.log(
    `CLI wall / in-process plan (full size):                 ${L.fmtRatio(cliOverInProcess)}  (process start, lock, human rendering)`,
  );
  let tfRatioBig;
  let tfRatioSmall;
  if (tf.small) {
    tfRatioSmall = cliSmall / tf.small.seconds;
    console.log(
      `backflow plan / terraform plan, ${L.fmtInt(nSmall)} resources each: ${L.fmtRatio(tfRatioSmall)} (CLI wall vs CLI wall; below 1 = Backflow faster)`,
    );
  }
  if (tf.big) {
    tfRatioBig = cliBig / tf.big.seconds;
    console.log(
      `backflow plan / terraform plan, ${L.fmtInt(nBig)} resources each: ${L.fmtRatio(tfRatioBig)} (CLI wall vs CLI wall; below 1 = Backflow faster)`,
    );
  }
  let tfScaling;
  if (tf.small && tf.big) {
    tfScaling = perRes(tf.big.seconds, tf.big.resources) / perRes(tf.small.seconds, tf.small.resources);
    console.log(
      `per-resource terraform plan time, full / small size:    ${L.fmtRatio(tfScaling)}  (for comparison with Backflow's line above)`,
    );
  }
  if (tf.note) console.log(`terraform: ${tf.note.split('\n')[0]}`);

  const k = (n) => L.fmtInt(n);
  const metrics = [
    [`floor: loadConfig, ${k(MODELS)} models + ${k(SYNCS)} syncs (median of ${RUNS})`, L.fmtS(big.load)],
    [`plan -refresh=false in-process (load+plan+JSON), ${k(nBig)} resources`, L.fmtS(big.full)],
    ['plan / floor', L.fmtRatio(planOverFloor)],
    [`CLI plan -refresh=false wall, ${k(nBig)} resources`, L.fmtS(cliBig)],
    [
      `per-resource loadConfig time ${k(nBig)} vs ${k(nSmall)} resources (1.00 = linear)`,
      L.fmtRatio(loadScaling),
    ],
  ];
  if (tf.big) {
    metrics.push([
      `terraform plan -refresh=false wall, ${k(tf.big.resources)} terraform_data`,
      L.fmtS(tf.big.seconds),
    ]);
    metrics.push([
      `backflow plan / terraform plan (CLI wall, ${k(nBig)} resources each)`,
      L.fmtRatio(tfRatioBig),
    ]);
  }
  if (tf.small) {
    metrics.push([
      `terraform plan -refresh=false wall, ${k(tf.small.resources)} terraform_data`,
      L.fmtS(tf.small.seconds),
    ]);
    metrics.push([
      `backflow plan / terraform plan (CLI wall, ${k(nSmall)} resources each)`,
      L.fmtRatio(tfRatioSmall),
    ]);
  }
  if (!tf.small || !tf.big) metrics.push(['terraform note', (tf.note || '').split('\n')[0]]);
  L.summary('plan-large', metrics);
}

L.runMain('plan-large', main);
