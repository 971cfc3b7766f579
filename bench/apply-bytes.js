#!/usr/bin/env node
'use strict';
/**
 * Apply of 10,000 creates: the state bytes written per action must stay flat as the workspace grows
 * (every finished action is one journal line; the whole state is written once, at the end).
 *
 * A real, throw-away Postgres (models need the warehouse: describe, primary-key check, snapshot table).
 * 1 source + 1 destination + 1,000 SQL models + 8,998 syncs (about 9 per model; syncs are records) =
 * 10,000 creates, applied through the library with a LocalBackend (plan with refresh, applyPlan through
 * SyncState at parallelism 10, then one state write) — what `apply -auto-approve` does.
 *
 * The backend's appendJournalEntries is wrapped to read `backend.bytesWritten.journal` around every append
 * (one append may carry the lines of several actions that finished together), and the bytes are added up
 * per action (all its journal lines: a create is journaled as tainted before the
 * object is made, then with its computed values), so each action's bytes are known exactly. Printed: bytes per action per window of 1,000 actions, the ratio
 * last/first window, the same ratio for actions of the same type (syncs: the first 1,000 applied vs the last
 * 1,000, the state having grown in between), and what rewriting the whole state per action would have
 * written instead.
 *
 * Sizes: BENCH_APPLY_MODELS (default 1000), BENCH_APPLY_ACTIONS (default 10000 = total creates).
 */
const { Buffer } = require('node:buffer');
const { monitorEventLoopDelay } = require('node:perf_hooks');
const L = require('./lib');

const MODELS = Number(process.env.BENCH_APPLY_MODELS || 1000);
const ACTIONS = Number(process.env.BENCH_APPLY_ACTIONS || 10000);
const SYNCS = ACTIONS - MODELS - 2;
const WINDOW = Number(process.env.BENCH_APPLY_WINDOW || Math.max(1, Math.round(ACTIONS / 10)));
const PARALLELISM = 10;

const { loadConfig } = L.dist('config/load');
const { LocalBackend } = L.dist('state/local-backend');
const { journalEntryLine, journalHeaderLine } = L.dist('state/journal');

function mean(xs) {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

async function main() {
  L.heading(
    `apply-bytes: apply of ${L.fmtInt(ACTIONS)} creates (1 source, 1 destination, ${L.fmtInt(MODELS)} models, ${L.fmtInt(SYNCS)} syncs)`,
  );
  const [startS, wh] = await L.timed(() => L.startWarehouse({ rows: 1000 }));
  console.log(`warehouse: ${wh.version}, started in ${L.fmtS(startS)} (127.0.0.1:${wh.settings.port})`);
  process.env.WAREHOUSE_PASSWORD = wh.password;

  const dir = L.tempDir('apply');
  L.writeConfig(dir, L.workspaceConfig({ models: MODELS, syncs: SYNCS, settings: wh.settings }));
  const [loadS, desired] = await L.timed(() => loadConfig({ dir }));
  console.log(`config loaded in ${L.fmtS(loadS)}: ${L.fmtInt(desired.resources.size)} resources`);

  // Exact bytes per action: read the backend's counter around each append (appends are serialized) and
  // add them up per address; an action may journal more than one line (e.g. a create is journaled as
  // tainted before the object is made, then again with its computed values). When the engine reports the
  // action finished, its lines are all durable: that is when it becomes one sample, in finishing order.
  const backend = new LocalBackend(desired.backend);
  const samples = [];
  const pending = new Map(); // address -> { bytes, lines }
  let entries = 0;
  let headerBytes = 0;
  let appendSeconds = 0;
  let appends = 0;
  // Every append goes through appendJournalEntries (appendJournal too): actions finishing together share one
  // (group commit), and each entry's share is its own line, checked against the backend's counter.
  const appendEntries = backend.appendJournalEntries.bind(backend);
  backend.appendJournalEntries = async (base, list) => {
    const before = backend.bytesWritten.journal;
    const t0 = L.now();
    await appendEntries(base, list);
    appendSeconds += L.secondsSince(t0);
    appends++;
    let bytes = backend.bytesWritten.journal - before;
    if (entries === 0) {
      headerBytes = Buffer.byteLength(journalHeaderLine(base)); // the first append also writes the header
      bytes -= headerBytes;
    }
    const sizes = list.map((entry) => Buffer.byteLength(journalEntryLine(entry)));
    if (sizes.reduce((a, b) => a + b, 0) !== bytes)
      throw new Error(`journal bytes do not add up: ${bytes} written for lines of ${sizes.join('+')}`);
    list.forEach((entry, i) => {
      entries++;
      const p = pending.get(entry.address) || { bytes: 0, lines: 0 };
      p.bytes += sizes[i];
      p.lines += 1;
      pending.set(entry.address, p);
    });
  };
  const hooks = {
    applyFinished(address) {
      const p = pending.get(address) || { bytes: 0, lines: 0 };
      pending.delete(address);
      samples.push({ address, type: address.split('.')[0], bytes: p.bytes, lines: p.lines });
    },
  };

  // Event-loop responsiveness during the apply (informational): a long stall delays in-flight warehouse
  // actions, timers and signal handling.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const applied = await L.applyWorkspace({ desired, backend, parallelism: PARALLELISM, hooks });
  loopDelay.disable();
  const lastModel = samples.reduce((at, s, i) => (s.type === 'model' ? i + 1 : at), 0);
  const journalTotal = backend.bytesWritten.journal;
  const stateBytes = backend.bytesWritten.state;
  if (samples.length !== ACTIONS)
    throw new Error(`expected ${ACTIONS} finished actions, got ${samples.length}`);
  const linesPerAction = entries / ACTIONS;
  console.log(
    `plan (refresh + ${L.fmtInt(MODELS)} primary-key checks) ${L.fmtS(applied.planSeconds)}; ` +
      `applyPlan ${L.fmtS(applied.applySeconds)} for ${L.fmtInt(applied.actions)} actions; final state write ${L.fmtS(applied.writeSeconds)}`,
  );

  // Per window of WINDOW actions, in the order they finished.
  L.heading(
    `journal bytes per action, per window of ${L.fmtInt(WINDOW)} actions (in the order actions finished)`,
  );
  const rows = [];
  const windows = [];
  for (let i = 0; i < samples.length; i += WINDOW) {
    const w = samples.slice(i, i + WINDOW);
    const mix = {};
    for (const s of w) mix[s.type] = (mix[s.type] || 0) + 1;
    const perAction = mean(w.map((s) => s.bytes));
    windows.push(perAction);
    rows.push([
      `${L.fmtInt(i + 1)}-${L.fmtInt(i + w.length)}`,
      perAction.toFixed(1),
      L.fmtInt(i + w.length),
      Object.entries(mix)
        .map(([t, n]) => `${n} ${t}${n === 1 ? '' : 's'}`)
        .join(', '),
    ]);
  }
  L.table(['actions', 'bytes/action', 'resources in state after', 'mix'], rows);

  const first = mean(samples.slice(0, WINDOW).map((s) => s.bytes));
  const last = mean(samples.slice(-WINDOW).map((s) => s.bytes));
  const syncs = samples.filter((s) => s.type === 'sync');
  const syncWindow = Math.min(WINDOW, Math.floor(syncs.length / 2));
  const syncFirst = mean(syncs.slice(0, syncWindow).map((s) => s.bytes));
  const syncLast = mean(syncs.slice(-syncWindow).map((s) => s.bytes));
  const syncFirstAt = samples.indexOf(syncs[0]) + 1;
  const syncLastFrom = samples.indexOf(syncs[syncs.length - syncWindow]) + 1;

  // What rewriting the whole state after every action would have written instead.
  const rewriteUpperBound = stateBytes * ACTIONS;
  let cumulative = 0;
  let rewriteGrowing = 0; // sum over actions of the state size at that point, scaled from journal bytes
  const journalPayload = journalTotal - headerBytes;
  for (const s of samples) {
    cumulative += s.bytes;
    rewriteGrowing += stateBytes * (cumulative / journalPayload);
  }

  const totalS = applied.planSeconds + applied.applySeconds + applied.writeSeconds;
  L.heading('results');
  console.log(
    `journal: ${L.fmtBytes(journalTotal)} in ${L.fmtInt(entries)} lines (+ ${headerBytes} B header); mean ${(journalPayload / ACTIONS).toFixed(1)} B/action`,
  );
  console.log(`final state file: ${L.fmtBytes(stateBytes)}, written once`);
  console.log(
    `journal lines per action: ${linesPerAction.toFixed(2)} (${L.fmtInt(entries)} lines for ${L.fmtInt(ACTIONS)} actions; ` +
      `each line is one write + fdatasync)`,
  );
  console.log(
    `bytes/action, last ${L.fmtInt(WINDOW)} / first ${L.fmtInt(WINDOW)} actions: ${L.fmtRatio(last / first)}  (${last.toFixed(1)} / ${first.toFixed(1)} B; mixes differ: the first window is mostly models, whose lines carry columns and checks)`,
  );
  console.log(
    `bytes/action of syncs, last ${L.fmtInt(syncWindow)} / first ${L.fmtInt(syncWindow)} syncs: ${L.fmtRatio(syncLast / syncFirst)}  (${syncLast.toFixed(1)} / ${syncFirst.toFixed(1)} B; actions ${L.fmtInt(syncFirstAt)}.. vs ${L.fmtInt(syncLastFrom)}..; flat = 1.00)`,
  );
  console.log(
    `whole-state rewrite per action would write: ${L.fmtBytes(rewriteUpperBound)} (final state x actions; ~${L.fmtBytes(rewriteGrowing)} with the state growing)`,
  );
  console.log(
    `avoided: ${L.fmtRatio(rewriteUpperBound / journalTotal)} fewer bytes than final-state x actions (${L.fmtRatio(rewriteGrowing / journalTotal)} vs a growing state)`,
  );
  console.log(
    `time: plan ${L.fmtS(applied.planSeconds)} + apply ${L.fmtS(applied.applySeconds)} + state write ${L.fmtS(applied.writeSeconds)} = ${L.fmtS(totalS)}`,
  );
  console.log(
    `throughput: ${(ACTIONS / applied.applySeconds).toFixed(0)} actions/s in applyPlan (parallelism ${PARALLELISM}); journal appends (write + fdatasync) took ${L.fmtS(appendSeconds)} in all: ${L.fmtInt(appends)} appends for ${L.fmtInt(entries)} lines (group commit), ${((appendSeconds / appends) * 1000).toFixed(3)} ms per append`,
  );

  console.log(
    `event loop: longest stall ${L.fmtS(loopDelay.max / 1e9)} (p99 ${L.fmtS(loopDelay.percentile(99) / 1e9)}); ` +
      `the last model to finish was action ${L.fmtInt(lastModel)} of ${L.fmtInt(ACTIONS)}`,
  );

  L.summary('apply-bytes', [
    [
      `apply of ${L.fmtInt(ACTIONS)} creates: journal bytes/action, last ${L.fmtInt(WINDOW)} / first ${L.fmtInt(WINDOW)} actions`,
      `${L.fmtRatio(last / first)} (${last.toFixed(0)} / ${first.toFixed(0)} B, mixed types)`,
    ],
    [
      `journal bytes/action, same type (syncs), last ${L.fmtInt(syncWindow)} / first ${L.fmtInt(syncWindow)} (1.00 = flat)`,
      `${L.fmtRatio(syncLast / syncFirst)} (${syncLast.toFixed(1)} / ${syncFirst.toFixed(1)} B)`,
    ],
    ['journal total / final state file', `${L.fmtBytes(journalTotal)} / ${L.fmtBytes(stateBytes)}`],
    ['journal lines per action', linesPerAction.toFixed(2)],
    [
      'bytes avoided vs rewriting the whole state per action (final state x actions)',
      L.fmtRatio(rewriteUpperBound / journalTotal),
    ],
    [
      `apply seconds (plan + applyPlan + state write), ${L.fmtInt(ACTIONS)} creates`,
      `${L.fmtS(totalS)} (${L.fmtS(applied.planSeconds)} + ${L.fmtS(applied.applySeconds)} + ${L.fmtS(applied.writeSeconds)})`,
    ],
    ['actions/second in applyPlan (parallelism 10)', (ACTIONS / applied.applySeconds).toFixed(0)],
    ['longest event-loop stall during plan + apply', L.fmtS(loopDelay.max / 1e9)],
  ]);
}

L.runMain('apply-bytes', main);
