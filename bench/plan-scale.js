#!/usr/bin/env node
'use strict';
/**
 * Plan at scale, CLI against CLI, at 2,000 / 10,000 / 20,000 resources (half models, half syncs, plus a
 * source and a destination), every step measured side by side in one run:
 *
 *   floor      `node bench/floor.js DIR`: a process that only reads and JSON.parses the config files and
 *              the state file. What any plan must pay; everything above it is overhead.
 *   terraform  `terraform plan -refresh=false` of as many terraform_data resources (see terraform.js).
 *   new        `backflow plan -refresh=false`, nothing in state: every resource is created.
 *   no-op      `backflow plan -refresh=false` with every resource already in state (written by the real
 *              state serializer, computed values as an apply records them): "No changes."
 *   destroy-t  `backflow plan -destroy -target source.warehouse -refresh=false` on that state: the target
 *              and, transitively, everything that depends on it (all of it). Was quadratic.
 *   validate   `backflow validate` of a config where every sync names a model that does not exist: one
 *              error per sync, each with its did-you-mean and a bounded list of declared names. Was
 *              quadratic in time and in the size of the error text.
 *   ring       `backflow validate` of a config whose syncs are scheduled after one another in one ring: one
 *              cycle through every sync, reported with its first hops and a count of the rest (the whole
 *              chain was printed: 160 KB for 10,000 syncs).
 *
 * Backflow steps: median of BENCH_SCALE_RUNS (3) runs, each with its peak RSS (a preloaded probe reads
 * process.resourceUsage().maxRSS at exit). Terraform: one run per size (it is the slow side), stopped after
 * BENCH_TF_TIMEOUT_S (300). Sizes: BENCH_SCALE_SIZES (2000,10000,20000). No timed assertions: a step that
 * fails (wrong exit code, wrong summary line) fails the benchmark; numbers are only printed.
 */
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const path = require('node:path');
const L = require('./lib');
const TF = require('./terraform');

const SIZES = (process.env.BENCH_SCALE_SIZES || '2000,10000,20000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_SCALE_RUNS || 3);
const TF_TIMEOUT_S = Number(process.env.BENCH_TF_TIMEOUT_S || 300);
const PROBE = path.join(__dirname, 'rss-probe.js');
const FLOOR = path.join(__dirname, 'floor.js');
const SETTINGS = { host: '127.0.0.1', port: 5432, database: 'analytics', user: 'retl' };
const PASSWORD = 'bench-password-not-a-secret';

const { loadConfig } = L.dist('config/load');
const { storedAttributes } = L.dist('engine/fingerprint');
const { sqlHash } = L.dist('engine/model-sql');
const { newState, serializeState } = L.dist('state/state');

// ---------------------------------------------------------------------------------------------- inputs

/** The three folders of one size: new (config only), noop (config + state), broken (bad references). */
async function writeInputs(work, n) {
  const models = n / 2;
  const syncs = n - models;
  const config = L.workspaceConfig({ models, syncs, settings: SETTINGS });
  const newDir = path.join(work, `new-${n}`);
  const noopDir = path.join(work, `noop-${n}`);
  const brokenDir = path.join(work, `broken-${n}`);
  const ringDir = path.join(work, `ring-${n}`);
  L.writeConfig(newDir, config);
  L.writeConfig(noopDir, config);
  const broken = L.workspaceConfig({ models, syncs, settings: SETTINGS });
  for (const s of Object.values(broken.syncs)) s.model = `gone_${s.model}`;
  L.writeConfig(brokenDir, broken);
  // Every sync scheduled after the next one, the last after the first: one cycle through all the syncs.
  const ring = L.workspaceConfig({ models, syncs, settings: SETTINGS });
  const ringNames = Object.keys(ring.syncs);
  ringNames.forEach((name, i) => {
    ring.syncs[name].schedule = { strategy: 'after_sync', sync: ringNames[(i + 1) % ringNames.length] };
  });
  L.writeConfig(ringDir, ring);

  // The state an apply of this config records: attributes fingerprinted with the state's salt, the
  // computed values each action returns, dependencies as applied.
  const desired = await loadConfig({ dir: noopDir, env: { WAREHOUSE_PASSWORD: PASSWORD } });
  const state = { ...newState(), serial: 1 };
  for (const r of desired.resources.values()) {
    state.resources[r.address] = {
      type: r.type,
      name: r.name,
      attributes: storedAttributes(r, state.salt),
      computed: computedOf(r),
      dependencies: r.dependsOn,
    };
  }
  fs.mkdirSync(path.join(noopDir, '.backflow'), { recursive: true });
  const stateText = serializeState(state);
  fs.writeFileSync(path.join(noopDir, '.backflow', 'state.json'), stateText);
  return { n, models, syncs, newDir, noopDir, brokenDir, ringDir, stateBytes: Buffer.byteLength(stateText) };
}

function computedOf(r) {
  if (r.type === 'source')
    return {
      server_version: 'PostgreSQL 15.8',
      current_user: 'retl',
      database: 'analytics',
      managed_schema_exists: true,
    };
  if (r.type === 'model')
    return {
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'v', type: 'text' },
      ],
      sql_hash: sqlHash(String(r.attributes.query)),
      primary_key_check: { total: 1000, distinct: 1000, nulls: 0 },
      snapshot_exists: true,
    };
  return {};
}

// ---------------------------------------------------------------------------------------------- runs

/** One process: wall seconds and peak RSS (bytes), after checking its exit code and output. */
async function measured(work, cmd, args, { expectCode = 0, expect, env = {} } = {}) {
  const rssFile = path.join(work, `rss-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const r = await L.runTimed(cmd, args, {
    cwd: work,
    outDir: work,
    env: {
      ...process.env,
      NO_COLOR: '1',
      WAREHOUSE_PASSWORD: PASSWORD,
      NODE_OPTIONS: `--require ${L.GUARD} --require ${PROBE}`,
      BENCH_RSS_FILE: rssFile,
      ...env,
    },
  });
  const out = fs.readFileSync(r.stdoutFile, 'utf8');
  const err = fs.readFileSync(r.stderrFile, 'utf8');
  if (r.code !== expectCode || (expect && !expect.test(out + err))) {
    throw new Error(
      `${path.basename(cmd)} ${args.join(' ')} exited ${r.code} (expected ${expectCode}${expect ? `, output matching ${expect}` : ''}):\n` +
        `${err.slice(-1500)}${out.slice(-600)}`,
    );
  }
  // The probe writes `<peak RSS KiB> <user + system CPU µs>` at exit.
  const [kib, micros] = fs.existsSync(rssFile)
    ? fs.readFileSync(rssFile, 'utf8').split(' ').map(Number)
    : [NaN, NaN];
  const result = {
    seconds: r.seconds,
    cpu: micros / 1e6,
    rss: kib * 1024,
    outBytes: Buffer.byteLength(out),
    errBytes: Buffer.byteLength(err),
  };
  fs.rmSync(r.stdoutFile, { force: true });
  fs.rmSync(r.stderrFile, { force: true });
  fs.rmSync(rssFile, { force: true });
  return result;
}

function cli(work, args, opts) {
  return measured(work, process.execPath, [L.BIN, ...args], opts);
}

/** Median of `RUNS` runs of `fn` (wall and CPU seconds, each its own median), with the largest peak RSS. */
async function medianOf(fn) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await fn());
  return {
    seconds: L.median(runs.map((r) => r.seconds)),
    cpu: L.median(runs.map((r) => r.cpu)),
    rss: Math.max(...runs.map((r) => r.rss)),
    errBytes: runs[0].errBytes,
    outBytes: runs[0].outBytes,
  };
}

async function measureSize(work, input, tf) {
  const { n, newDir, noopDir, brokenDir, ringDir } = input;
  const total = n + 2;
  const row = { n: total };
  const addLine = new RegExp(`Plan: ${total} to add, 0 to change, 0 to destroy\\.`);
  const destroyLine = new RegExp(`Plan: 0 to add, 0 to change, ${total - 1} to destroy\\.`);

  // Side by side, in this order at every size, so each tool sees the same machine.
  if (tf.bin) {
    const t = await TF.terraformPlan(
      tf.bin,
      work,
      `tf-${n}`,
      input.models,
      input.syncs,
      tf.env,
      TF_TIMEOUT_S * 1000,
    );
    if (t.timedOut) row.tfNote = `terraform stopped after ${L.fmtS(t.seconds)}`;
    else if (t.skipped) row.tfNote = `terraform skipped: ${t.skipped.split('\n')[0]}`;
    else {
      row.terraform = t.seconds;
      row.terraformCpu = t.cpuSeconds;
    }
    fs.rmSync(path.join(work, `tf-${n}`), { recursive: true, force: true });
  }
  row.floorNew = await medianOf(() => measured(work, process.execPath, [FLOOR, newDir]));
  row.planNew = await medianOf(() =>
    cli(work, ['plan', '-refresh=false', '-c', newDir], { expect: addLine }),
  );
  row.floorNoop = await medianOf(() => measured(work, process.execPath, [FLOOR, noopDir]));
  row.noop = await medianOf(() =>
    cli(work, ['plan', '-refresh=false', '-c', noopDir], {
      expect: /No changes\. Your (workspace|infrastructure) matches/,
    }),
  );
  row.destroyTarget = await medianOf(() =>
    cli(work, ['plan', '-destroy', '-target', 'source.warehouse', '-refresh=false', '-c', noopDir], {
      expect: destroyLine,
    }),
  );
  row.validate = await medianOf(() =>
    cli(work, ['validate', '-c', brokenDir], { expectCode: 1, expect: /model "gone_m_\d+" does not exist/ }),
  );
  row.ring = await medianOf(() =>
    cli(work, ['validate', '-c', ringDir], { expectCode: 1, expect: /dependency cycle: sync\.s_0+ -> / }),
  );
  return row;
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  const work = L.tempDir('plan-scale');
  L.heading(`plan-scale: ${SIZES.map(L.fmtInt).join(' / ')} resources, refresh off, CLI wall and CPU time`);
  const tf = {};
  tf.bin = TF.findTerraform();
  if (tf.bin) {
    tf.env = TF.terraformEnvironment(work);
    console.log(
      `${TF.terraformVersion(tf.bin)}; network: ${tf.env.isolated ? 'none (unshare -n)' : 'blocked by CLI config + proxy'}`,
    );
  } else console.log('terraform not found: Terraform columns are n/a');

  const rows = [];
  for (const n of SIZES) {
    const input = await writeInputs(work, n);
    console.log(
      `\n${L.fmtInt(n + 2)} resources: state ${L.fmtBytes(input.stateBytes)}; measuring (${RUNS} runs per Backflow step)...`,
    );
    const row = await measureSize(work, input, tf);
    rows.push(row);
    console.log(
      `  floor ${L.fmtS(row.floorNew.seconds)} / ${L.fmtS(row.floorNoop.seconds)} (with state); ` +
        `plan new ${L.fmtS(row.planNew.seconds)} (cpu ${L.fmtS(row.planNew.cpu)}); no-op ${L.fmtS(row.noop.seconds)} ` +
        `(cpu ${L.fmtS(row.noop.cpu)}) ${L.fmtBytes(row.noop.rss)}; ` +
        `destroy -target ${L.fmtS(row.destroyTarget.seconds)}; validate ${L.fmtS(row.validate.seconds)}; ` +
        `terraform ${row.terraform !== undefined ? L.fmtS(row.terraform) : row.tfNote || 'n/a'}`,
    );
    for (const dir of [input.newDir, input.noopDir, input.brokenDir, input.ringDir])
      fs.rmSync(dir, { recursive: true, force: true });
  }

  const k = (r) => L.fmtInt(r.n);
  const tfRatio = (r, side) =>
    r.terraform === undefined
      ? 'n/a'
      : L.fmtRatio((side === 'cpu' ? r.terraformCpu : r.terraform) / r.planNew[side]);
  L.heading('plan of new resources (refresh off): Backflow beside Terraform and the floor, wall and CPU');
  L.table(
    [
      'resources',
      'floor wall / cpu',
      'backflow wall / cpu',
      'peak RSS',
      'terraform wall / cpu',
      'terraform / backflow wall',
      'terraform / backflow cpu',
      'backflow / floor wall',
      'backflow / floor cpu',
    ],
    rows.map((r) => [
      k(r),
      `${L.fmtS(r.floorNew.seconds)} / ${L.fmtS(r.floorNew.cpu)}`,
      `${L.fmtS(r.planNew.seconds)} / ${L.fmtS(r.planNew.cpu)}`,
      L.fmtBytes(r.planNew.rss),
      r.terraform !== undefined ? `${L.fmtS(r.terraform)} / ${L.fmtS(r.terraformCpu)}` : r.tfNote || 'n/a',
      tfRatio(r, 'seconds'),
      tfRatio(r, 'cpu'),
      L.fmtRatio(r.planNew.seconds / r.floorNew.seconds),
      L.fmtRatio(r.planNew.cpu / r.floorNew.cpu),
    ]),
  );
  L.heading('no-op plan (everything in state, refresh off), wall and CPU');
  L.table(
    [
      'resources',
      'floor (config + state) wall / cpu',
      'backflow wall / cpu',
      'peak RSS',
      'backflow / floor wall',
      'backflow / floor cpu',
    ],
    rows.map((r) => [
      k(r),
      `${L.fmtS(r.floorNoop.seconds)} / ${L.fmtS(r.floorNoop.cpu)}`,
      `${L.fmtS(r.noop.seconds)} / ${L.fmtS(r.noop.cpu)}`,
      L.fmtBytes(r.noop.rss),
      L.fmtRatio(r.noop.seconds / r.floorNoop.seconds),
      L.fmtRatio(r.noop.cpu / r.floorNoop.cpu),
    ]),
  );
  L.heading('formerly quadratic paths (wall / cpu)');
  L.table(
    [
      'resources',
      'plan -destroy -target source.warehouse',
      'peak RSS',
      'validate, every sync broken',
      'error text',
      'peak RSS',
      'validate, syncs in one ring',
      'error text',
    ],
    rows.map((r) => [
      k(r),
      `${L.fmtS(r.destroyTarget.seconds)} / ${L.fmtS(r.destroyTarget.cpu)}`,
      L.fmtBytes(r.destroyTarget.rss),
      `${L.fmtS(r.validate.seconds)} / ${L.fmtS(r.validate.cpu)}`,
      L.fmtBytes(r.validate.errBytes),
      L.fmtBytes(r.validate.rss),
      `${L.fmtS(r.ring.seconds)} / ${L.fmtS(r.ring.cpu)}`,
      L.fmtBytes(r.ring.errBytes),
    ]),
  );

  const first = rows[0];
  const last = rows[rows.length - 1];
  const growth = (f) => f(last) / f(first);
  const sizeRatio = last.n / first.n;
  L.heading(
    `growth: ${k(last)} / ${k(first)} resources (${sizeRatio.toFixed(1)}x the resources; linear = ${sizeRatio.toFixed(1)}x)`,
  );
  const growthRows = [
    ['floor (config)', growth((r) => r.floorNew.seconds), growth((r) => r.floorNew.cpu)],
    ['floor (config + state)', growth((r) => r.floorNoop.seconds), growth((r) => r.floorNoop.cpu)],
    ['plan, new resources', growth((r) => r.planNew.seconds), growth((r) => r.planNew.cpu)],
    ['plan, no-op', growth((r) => r.noop.seconds), growth((r) => r.noop.cpu)],
    ['plan -destroy -target', growth((r) => r.destroyTarget.seconds), growth((r) => r.destroyTarget.cpu)],
    ['validate, broken references', growth((r) => r.validate.seconds), growth((r) => r.validate.cpu)],
    ['validate, error text bytes', growth((r) => r.validate.errBytes), NaN],
    ['validate, syncs in a ring', growth((r) => r.ring.seconds), growth((r) => r.ring.cpu)],
    ['validate, ring error text bytes', growth((r) => r.ring.errBytes), NaN],
  ];
  if (first.terraform !== undefined && last.terraform !== undefined)
    growthRows.push(['terraform plan', growth((r) => r.terraform), growth((r) => r.terraformCpu)]);
  L.table(
    ['step', 'wall ratio', 'cpu ratio'],
    growthRows.map(([s, w, c]) => [s, L.fmtRatio(w), Number.isNaN(c) ? '' : L.fmtRatio(c)]),
  );

  const metrics = [];
  for (const r of rows) {
    if (r.terraform !== undefined)
      metrics.push([
        `terraform / backflow, plan of ${k(r)} new resources (wall, cpu)`,
        `${tfRatio(r, 'seconds')}, ${tfRatio(r, 'cpu')}`,
      ]);
    else if (r.tfNote) metrics.push([`terraform, plan of ${k(r)} new resources`, r.tfNote]);
    metrics.push([
      `backflow / floor, plan of ${k(r)} new resources (wall, cpu)`,
      `${L.fmtRatio(r.planNew.seconds / r.floorNew.seconds)}, ${L.fmtRatio(r.planNew.cpu / r.floorNew.cpu)}`,
    ]);
    metrics.push([
      `backflow / floor, no-op plan of ${k(r)} resources (wall, cpu)`,
      `${L.fmtRatio(r.noop.seconds / r.floorNoop.seconds)}, ${L.fmtRatio(r.noop.cpu / r.floorNoop.cpu)}`,
    ]);
  }
  metrics.push([
    `no-op plan of ${k(last)} resources: wall, cpu`,
    `${L.fmtS(last.noop.seconds)}, ${L.fmtS(last.noop.cpu)}`,
  ]);
  metrics.push([`no-op plan of ${k(last)} resources: peak RSS`, L.fmtBytes(last.noop.rss)]);
  metrics.push([`plan -destroy -target at ${k(last)}`, L.fmtS(last.destroyTarget.seconds)]);
  metrics.push([
    `validate with ${L.fmtInt(last.n / 2 - 1)} broken references`,
    L.fmtS(last.validate.seconds),
  ]);
  metrics.push([
    `validate of ${L.fmtInt(last.n / 2)} syncs in one ring: time, error text`,
    `${L.fmtS(last.ring.seconds)}, ${L.fmtBytes(last.ring.errBytes)}`,
  ]);
  for (const [s, w, c] of growthRows)
    metrics.push([
      `growth ${k(last)}/${k(first)}: ${s} (wall${Number.isNaN(c) ? '' : ', cpu'})`,
      Number.isNaN(c) ? L.fmtRatio(w) : `${L.fmtRatio(w)}, ${L.fmtRatio(c)}`,
    ]);
  L.summary('plan-scale', metrics);
}

L.runMain('plan-scale', main);
