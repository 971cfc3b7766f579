#!/usr/bin/env node
'use strict';
/**
 * Refresh of N models on one Postgres source: warehouse round trips must not grow with the number of
 * models (DESIGN §3: one introspection query per source, not one per model).
 *
 * A real, throw-away Postgres. One workspace grows through N = 10, 100, 1,000 SQL models: each size is
 * applied through the library (plan + applyPlan + SyncState + LocalBackend, what `apply -auto-approve`
 * does), then refreshed RUNS times the way `plan` does it — planWorkspace(refresh on) against the saved
 * state, a fresh set of connections each time as in a new CLI process — reading the round trips from
 * Connections.roundTrips() (statements sent; the connection handshake is not counted).
 *
 * Sizes: BENCH_REFRESH_SIZES (default "10,100,1000"). Runs per size: BENCH_REFRESH_RUNS (default 3).
 */
const L = require('./lib');

const SIZES = (process.env.BENCH_REFRESH_SIZES || '10,100,1000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_REFRESH_RUNS || 3);

const { loadConfig } = L.dist('config/load');
const { planWorkspace } = L.dist('engine/plan-workspace');
const { Connections } = L.dist('engine/connections');
const { LocalBackend } = L.dist('state/local-backend');
const { hasChanges, summaryLine } = L.dist('engine/plan');

async function refreshOnce(desired, backend) {
  const prior = await backend.read();
  const connections = new Connections(desired.configDir);
  try {
    const [seconds, { plan }] = await L.timed(() =>
      planWorkspace(desired, prior, { mode: 'normal', targets: [], refresh: true }, connections),
    );
    const roundTrips = await connections.roundTrips();
    if (plan.errored)
      throw new Error(`refresh plan failed: ${plan.diagnostics.map((d) => d.summary).join('; ')}`);
    if (hasChanges(plan) || plan.resource_drift.length > 0) {
      throw new Error(
        `expected a no-op refresh, got: ${summaryLine(plan)}, ${plan.resource_drift.length} drift`,
      );
    }
    return { seconds, roundTrips };
  } finally {
    await connections.closeAll();
  }
}

async function main() {
  L.heading(`refresh-roundtrips: refresh of ${SIZES.join(' / ')} models on one Postgres source`);
  const [startS, wh] = await L.timed(() => L.startWarehouse({ rows: 1000 }));
  console.log(`warehouse: ${wh.version}, started in ${L.fmtS(startS)} (127.0.0.1:${wh.settings.port})`);
  process.env.WAREHOUSE_PASSWORD = wh.password;

  const dir = L.tempDir('refresh');
  const rows = [];
  for (const n of SIZES) {
    L.writeConfig(dir, L.workspaceConfig({ models: n, syncs: 0, settings: wh.settings }));
    const desired = await loadConfig({ dir });
    const backend = new LocalBackend(desired.backend);
    const applied = await L.applyWorkspace({ desired, backend });
    console.log(
      `N=${n}: applied ${applied.actions} new actions (plan ${L.fmtS(applied.planSeconds)}, ` +
        `apply ${L.fmtS(applied.applySeconds)}, state write ${L.fmtS(applied.writeSeconds)})`,
    );
    const samples = [];
    for (let i = 0; i < RUNS; i++) {
      const s = await refreshOnce(desired, new LocalBackend(desired.backend));
      samples.push(s);
      console.log(`  refresh ${i + 1}/${RUNS}: ${s.roundTrips} round trips, ${L.fmtS(s.seconds)}`);
    }
    const trips = samples.map((s) => s.roundTrips);
    rows.push({
      n,
      roundTrips: L.median(trips),
      tripsVary: Math.min(...trips) !== Math.max(...trips),
      seconds: L.median(samples.map((s) => s.seconds)),
    });
  }

  L.heading(
    `results (round trips per refresh; seconds = median of ${RUNS} refreshes, fresh connections each)`,
  );
  L.table(
    ['models', 'round trips', 'refresh', 'ms / model'],
    rows.map((r) => [
      L.fmtInt(r.n),
      `${r.roundTrips}${r.tripsVary ? ' (varied)' : ''}`,
      L.fmtS(r.seconds),
      ((r.seconds / r.n) * 1000).toFixed(2),
    ]),
  );
  const first = rows[0];
  const last = rows[rows.length - 1];
  const rtRatio = last.roundTrips / first.roundTrips;
  const sRatio = last.seconds / first.seconds;
  console.log('');
  console.log(
    `round trips rt(${L.fmtInt(last.n)}) / rt(${L.fmtInt(first.n)}): ${L.fmtRatio(rtRatio)}  (must be 1.00: round trips do not grow with models)`,
  );
  console.log(
    `refresh seconds s(${L.fmtInt(last.n)}) / s(${L.fmtInt(first.n)}): ${L.fmtRatio(sRatio)}  ` +
      `(for ${L.fmtRatio(last.n / first.n)} the models: the server still analyses every model's SQL, in one statement)`,
  );
  if (rtRatio !== 1) console.log('WARNING: round trips grew with the number of models.');

  L.summary('refresh-roundtrips', [
    [
      `refresh round trips at ${rows.map((r) => L.fmtInt(r.n)).join(' / ')} models`,
      rows.map((r) => r.roundTrips).join(' / '),
    ],
    [`round trips rt(${L.fmtInt(last.n)}) / rt(${L.fmtInt(first.n)}) (1.00 = flat)`, L.fmtRatio(rtRatio)],
    [
      `refresh seconds at ${rows.map((r) => L.fmtInt(r.n)).join(' / ')} models`,
      rows.map((r) => L.fmtS(r.seconds)).join(' / '),
    ],
    [`refresh seconds s(${L.fmtInt(last.n)}) / s(${L.fmtInt(first.n)})`, L.fmtRatio(sRatio)],
  ]);
}

L.runMain('refresh-roundtrips', main);
