#!/usr/bin/env node
'use strict';
/**
 * Apply at scale against a real, throw-away Postgres: plan (refresh on, primary-key checks) + apply +
 * final state write of a workspace of half models, half syncs, through the library as
 * `apply -auto-approve` does (LocalBackend, journal per action).
 *
 *   growth       2,000 and 20,000 resources at parallelism 10: seconds and statements, 20k / 2k.
 *   parallelism  the 20,000-resource workspace (10,000 new models) at parallelism 1 and at 10.
 *
 * Each run applies into its own managed schema and state folder, so runs never see each other's tables.
 * Statements are the warehouse round trips of the run (Connections.roundTrips: handshakes not counted).
 * Sizes: BENCH_APPLY_SCALE_SIZES (2000,20000); BENCH_APPLY_SCALE_PARALLELISM (1,10) for the largest size.
 * BENCH_APPLY_SCALE_WAREHOUSE=redshift: a Redshift source on the same Postgres behind the Redshift
 * compatibility schema (test/servers/redshift), for the Redshift adapter's statements.
 * No timed assertions: a failed plan or apply fails the benchmark; numbers are printed.
 */
const L = require('./lib');

const SIZES = (process.env.BENCH_APPLY_SCALE_SIZES || '2000,20000').split(',').map(Number);
const PARALLELISMS = (process.env.BENCH_APPLY_SCALE_PARALLELISM || '1,10').split(',').map(Number);
const WAREHOUSE = process.env.BENCH_APPLY_SCALE_WAREHOUSE || 'postgres';
if (!['postgres', 'redshift'].includes(WAREHOUSE))
  throw new Error(
    `BENCH_APPLY_SCALE_WAREHOUSE must be postgres or redshift, not ${JSON.stringify(WAREHOUSE)}`,
  );

const { loadConfig } = L.dist('config/load');
const { LocalBackend } = L.dist('state/local-backend');

let runs = 0;

async function applyOnce(wh, n, parallelism) {
  const label = `r${++runs}_${n}_p${parallelism}`;
  const dir = L.tempDir(`apply-scale-${label}`);
  const config = L.workspaceConfig({
    models: n / 2,
    syncs: n / 2,
    settings: wh.settings,
    warehouse: WAREHOUSE,
  });
  config.sources.warehouse.managed_schema = `bench_${label}`;
  L.writeConfig(dir, config);
  const desired = await loadConfig({ dir });
  const backend = new LocalBackend(desired.backend);
  const cpu0 = process.cpuUsage();
  const [total, r] = await L.timed(() => L.applyWorkspace({ desired, backend, parallelism }));
  const used = process.cpuUsage(cpu0);
  // Backflow's own CPU (this process: plan, apply, journal, state write); the warehouse's is not in it.
  const cpu = (used.user + used.system) / 1e6;
  if (r.actions !== n + 2) throw new Error(`${label}: expected ${n + 2} actions, applied ${r.actions}`);
  const row = { n: n + 2, parallelism, total, cpu, ...r };
  console.log(
    `  ${L.fmtInt(row.n)} resources, parallelism ${parallelism}: plan ${L.fmtS(r.planSeconds)} + apply ${L.fmtS(r.applySeconds)} ` +
      `+ state write ${L.fmtS(r.writeSeconds)} = ${L.fmtS(total)} (Backflow CPU ${L.fmtS(cpu)}); ${L.fmtInt(r.roundTrips)} statements`,
  );
  return row;
}

async function main() {
  const on = WAREHOUSE === 'redshift' ? 'Redshift (real Postgres, compatibility schema)' : 'real Postgres';
  L.heading(`apply-scale: ${SIZES.map(L.fmtInt).join(' / ')} resources (half models), ${on}`);
  const [startS, wh] = await L.timed(() =>
    L.startWarehouse({ rows: 1000, redshift: WAREHOUSE === 'redshift' }),
  );
  console.log(`warehouse: ${wh.version}, started in ${L.fmtS(startS)}`);
  process.env.WAREHOUSE_PASSWORD = wh.password;

  const bySize = [];
  for (const n of SIZES) bySize.push(await applyOnce(wh, n, 10));
  const largest = SIZES[SIZES.length - 1];
  const byParallelism = [];
  for (const p of PARALLELISMS) {
    const done = p === 10 ? bySize[bySize.length - 1] : undefined;
    byParallelism.push(done ?? (await applyOnce(wh, largest, p)));
  }

  L.heading('apply, parallelism 10');
  const fmtRow = (r) => [
    L.fmtInt(r.n),
    String(r.parallelism),
    L.fmtS(r.planSeconds),
    L.fmtS(r.applySeconds),
    L.fmtS(r.total),
    L.fmtS(r.cpu),
    L.fmtInt(r.roundTrips),
    (r.actions / r.applySeconds).toFixed(0),
  ];
  const headers = [
    'resources',
    'parallelism',
    'plan',
    'apply',
    'total',
    'Backflow CPU',
    'statements',
    'actions/s',
  ];
  L.table(headers, bySize.map(fmtRow));
  const first = bySize[0];
  const last = bySize[bySize.length - 1];
  const sizeRatio = last.n / first.n;
  const growth = last.total / first.total;
  // With one size there is no growth to speak of: nothing is printed for it.
  const grew = bySize.length > 1;
  if (grew)
    console.log(
      `\ngrowth ${L.fmtInt(last.n)} / ${L.fmtInt(first.n)} (${sizeRatio.toFixed(1)}x the resources): ` +
        `total ${L.fmtRatio(growth)}, Backflow CPU ${L.fmtRatio(last.cpu / first.cpu)}, plan ${L.fmtRatio(last.planSeconds / first.planSeconds)}, apply ${L.fmtRatio(last.applySeconds / first.applySeconds)}, ` +
        `statements ${L.fmtRatio(last.roundTrips / first.roundTrips)}`,
    );
  L.heading(`apply of ${L.fmtInt(largest / 2)} new models (+ as many syncs) by parallelism`);
  L.table(headers, byParallelism.map(fmtRow));
  const p1 = byParallelism.find((r) => r.parallelism === 1);
  const p10 = byParallelism.find((r) => r.parallelism === 10);
  const metrics = [
    [`apply ${L.fmtInt(last.n)} resources, parallelism 10 (plan + apply + write)`, L.fmtS(last.total)],
    ...(grew
      ? [
          [`growth ${L.fmtInt(last.n)} / ${L.fmtInt(first.n)} resources: apply total`, L.fmtRatio(growth)],
          [
            `growth ${L.fmtInt(last.n)} / ${L.fmtInt(first.n)} resources: Backflow CPU`,
            L.fmtRatio(last.cpu / first.cpu),
          ],
        ]
      : []),
    [`Backflow CPU, apply of ${L.fmtInt(last.n)} resources`, L.fmtS(last.cpu)],
    [`statements for ${L.fmtInt(largest / 2)} new models (plan + apply)`, L.fmtInt(last.roundTrips)],
  ];
  if (p1 && p10) {
    console.log(
      `\nparallelism 1 / parallelism 10, apply step: ${L.fmtRatio(p1.applySeconds / p10.applySeconds)}`,
    );
    metrics.push([`apply ${L.fmtInt(largest / 2)} new models, parallelism 1`, L.fmtS(p1.total)]);
    metrics.push([`apply ${L.fmtInt(largest / 2)} new models, parallelism 10`, L.fmtS(p10.total)]);
    metrics.push(['parallelism 1 / 10, apply step', L.fmtRatio(p1.applySeconds / p10.applySeconds)]);
  }
  L.summary(WAREHOUSE === 'redshift' ? 'apply-scale redshift' : 'apply-scale', metrics);
}

L.runMain('apply-scale', main);
