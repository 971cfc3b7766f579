#!/usr/bin/env node
'use strict';
/**
 * Rendering of a plan of new resources (issue 16), in-process, at 2,000 / 10,000 / 20,000 resources (half
 * models, half syncs, plus a source with a secret and a destination), on the plan `plan -refresh=false`
 * makes for them:
 *
 *   one-pass   the human view as `backflow plan` prints it (`humanSections`): each created resource written
 *              straight from its values (src/render/whole-block.ts)
 *   via JSON   the same sections through the general path: each change converted to its JSON-plan form,
 *              then to diff lines, then to text (how every change was rendered before whole-block.ts)
 *   json       the `-json` document (`renderJson`)
 *
 * The one-pass and via-JSON texts are compared first, byte for byte, colour off and on: a difference fails
 * the benchmark. Each figure is the median CPU time (user + system) of BENCH_RENDER_RUNS (7) renders after
 * two warm-up renders, the variants taking turns. Sizes: BENCH_RENDER_SIZES (2000,10000,20000). Numbers are
 * printed, never checked.
 */
const L = require('./lib');

const SIZES = (process.env.BENCH_RENDER_SIZES || '2000,10000,20000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RENDER_RUNS || 7);
const SETTINGS = { host: '127.0.0.1', port: 5432, database: 'analytics', user: 'retl' };
process.env.WAREHOUSE_PASSWORD = process.env.WAREHOUSE_PASSWORD || 'bench-password-not-a-secret';

const { loadConfig } = L.dist('config/load');
const { planWorkspace } = L.dist('engine/plan-workspace');
const { Connections } = L.dist('engine/connections');
const { humanSections, renderChangeViaJsonPlan } = L.dist('render/human');
const { renderJson } = L.dist('render/json-plan');

async function planOf(n) {
  const dir = L.tempDir(`render-${n}`);
  const models = n / 2;
  L.writeConfig(dir, L.workspaceConfig({ models, syncs: n - models, settings: SETTINGS }));
  const desired = await loadConfig({ dir });
  const connections = new Connections(desired.configDir);
  try {
    const { plan } = await planWorkspace(
      desired,
      null,
      { mode: 'normal', targets: [], refresh: false },
      connections,
    );
    if (plan.errored) throw new Error(`plan has errors: ${JSON.stringify(plan.diagnostics.slice(0, 3))}`);
    return plan;
  } finally {
    await connections.closeAll();
  }
}

/** Every section as the CLI streams them (it writes each and lets it go), and their total length. */
function onePass(plan, color) {
  let chars = 0;
  for (const section of humanSections(plan, { color })) chars += section.length;
  return chars;
}

/** The change sections through the JSON plan. */
function viaJson(plan, color) {
  let chars = 0;
  for (const rc of plan.resource_changes)
    if (rc.action !== 'no-op') chars += renderChangeViaJsonPlan(rc, { color }).length;
  return chars;
}

function json(plan) {
  return renderJson(plan).length;
}

/** The change sections of both paths must be the same text. */
function checkSame(plan) {
  for (const color of [false, true]) {
    const sections = [...humanSections(plan, { color })];
    const changes = plan.resource_changes.filter((rc) => rc.action !== 'no-op');
    // Legend and heading first, the summary line last: the rest are the changes, in order.
    const body = sections.slice(2, 2 + changes.length);
    if (body.length !== changes.length) throw new Error(`expected ${changes.length} change sections`);
    for (let i = 0; i < changes.length; i++) {
      const general = renderChangeViaJsonPlan(changes[i], { color });
      if (body[i] !== general)
        throw new Error(`${changes[i].address} (color ${color}) differs:\n${body[i]}\n---\n${general}`);
    }
  }
}

function cpuMs(fn) {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function main() {
  L.heading(`Rendering a plan of new resources, CPU ms, median of ${RUNS} (colour off)`);
  const rows = [];
  const results = [];
  for (const n of SIZES) {
    const plan = await planOf(n);
    checkSame(plan);
    const variants = {
      onePass: () => onePass(plan, false),
      viaJson: () => viaJson(plan, false),
      json: () => json(plan),
    };
    const times = { onePass: [], viaJson: [], json: [] };
    for (let i = 0; i < 2; i++) for (const fn of Object.values(variants)) fn();
    for (let i = 0; i < RUNS; i++) for (const [k, fn] of Object.entries(variants)) times[k].push(cpuMs(fn));
    const r = {
      n: plan.resource_changes.length,
      chars: onePass(plan, false),
      onePass: L.median(times.onePass),
      viaJson: L.median(times.viaJson),
      json: L.median(times.json),
    };
    results.push(r);
    rows.push([
      L.fmtInt(r.n),
      L.fmtBytes(r.chars),
      r.onePass.toFixed(1),
      r.viaJson.toFixed(1),
      L.fmtRatio(r.viaJson / r.onePass),
      r.json.toFixed(1),
      ((r.onePass * 1000) / r.n).toFixed(2),
    ]);
  }
  L.table(
    [
      'resources',
      'human text',
      'one-pass ms',
      'via JSON ms',
      'via JSON / one-pass',
      'json ms',
      'one-pass µs/resource',
    ],
    rows,
  );
  const first = results[0];
  const last = results[results.length - 1];
  if (results.length > 1)
    console.log(
      `\none-pass growth ${L.fmtInt(first.n)} -> ${L.fmtInt(last.n)} resources: ${L.fmtRatio(last.onePass / first.onePass)} for ${L.fmtRatio(last.n / first.n)} the resources`,
    );
  L.summary('render-plan', [
    ...results.map((r) => [`human one-pass, ${L.fmtInt(r.n)} new resources`, `${r.onePass.toFixed(1)} ms`]),
    ...results.map((r) => [
      `human via JSON plan / one-pass, ${L.fmtInt(r.n)}`,
      L.fmtRatio(r.viaJson / r.onePass),
    ]),
    ...results.map((r) => [`-json document, ${L.fmtInt(r.n)} new resources`, `${r.json.toFixed(1)} ms`]),
  ]);
}

L.runMain('render-plan', main);
