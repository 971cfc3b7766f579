/**
 * `backflow apply [PLANFILE]` and `backflow destroy`: plan (or load a saved plan and check it is not stale),
 * ask for approval, then apply under the state lock and write the new state.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DesiredState } from '../../config/desired';
import { applyPlan, type ApplyResult } from '../../engine/apply';
import { hasChanges, summaryLine, type Plan } from '../../engine/plan';
import { planWorkspace, type PlanOptions } from '../../engine/plan-workspace';
import { unreviewedValues } from '../../engine/reviewed-values';
import { UserError } from '../../errors';
import { applySummary } from '../../render/apply-progress';
import { loadPlan, verifyPlan, type LoadedPlan } from '../../state/plan-file';
import { newState } from '../../state/state';
import { SyncState } from '../../state/sync-state';
import type { StateFile } from '../../state/types';
import { BACKFLOW_VERSION } from '../../version';
import { askApproval } from '../approve';
import { printError } from '../output';
import { applyHooks, refreshHooks } from '../progress';
import { exitCodeFor, graceful, interruptedBy } from '../signals';
import { forEachWorkspace, loadWorkspaces, withWorkspace, type Workspace } from '../workspace';
import {
  findErroredState,
  forgetErroredState,
  saveErroredState,
  stateNotWrittenError,
} from '../errored-state';
import { planOptions, printPlan, stackPlanPath, type PlanFlags } from './plan';

export interface ApplyFlags extends PlanFlags {
  autoApprove?: boolean;
  parallelism?: string;
}

export async function applyCommand(planFile: string | undefined, flags: ApplyFlags): Promise<number> {
  const parallelism = parseParallelism(flags.parallelism);
  if (planFile !== undefined) return applySavedPlans(planFile, flags, parallelism);
  // Apply runs on configuration someone chose to apply (after review, in CI on merge): it connects to
  // every endpoint, and checks there what plan deferred.
  const options = { ...planOptions(flags), trustNewEndpoints: true };
  const each = { color: flags.color, headerTo: 'stdout' as const, stopOnError: true };
  return forEachWorkspace(flags, each, (desired) => applyOne(desired, flags, options, parallelism));
}

/** Plans, asks and applies one workspace (the JSON config, or one stack of a cdktf app). */
function applyOne(
  desired: DesiredState,
  flags: ApplyFlags,
  options: PlanOptions,
  parallelism: number,
): Promise<number> {
  const operation = options.mode === 'destroy' ? 'destroy' : 'apply';
  const open = (fn: (ws: Workspace) => Promise<number>) => withWorkspace(flags, operation, fn, desired);
  return open(async (ws) => {
    const { state: prior, recoveredJournalEntries } = await restoringErroredState(ws);
    const { plan, state } = await planWorkspace(ws.desired, prior, options, ws.connections, refreshHooks());
    await printPlan(plan, 'human', flags.color);
    if (plan.errored) return 1;
    if (!hasChanges(plan)) {
      // An apply that was killed left finished actions in the journal: make them part of the state now.
      if (prior && recoveredJournalEntries > 0)
        await ws.backend.write({ ...prior, serial: prior.serial + 1 });
      return 0;
    }
    if (!flags.autoApprove) {
      const question =
        options.mode === 'destroy'
          ? 'Do you really want to destroy all resources?\n  Backflow will destroy all your managed objects, as shown above.\n  There is no undo.'
          : 'Do you want to perform these actions?\n  Backflow will perform the actions described above.';
      if (!(await askApproval(question))) {
        process.stdout.write('\nApply cancelled.\n');
        return 1;
      }
    }
    return execute(ws, plan, state, prior, flags, parallelism);
  });
}

/**
 * `apply FILE`: the one workspace's saved plan, or, for a cdktf app whose stacks were planned together
 * (`plan -out FILE` wrote `FILE` with each stack's name before its extension), every stack's. Every plan is
 * loaded and checked against its state before anything is applied, so one stale plan stops them all; each
 * is checked again under its stack's lock just before it is applied.
 */
async function applySavedPlans(file: string, flags: ApplyFlags, parallelism: number): Promise<number> {
  const all = await loadWorkspaces(flags);
  if (all.length === 1) return applySavedPlan(loadPlan(resolve(file)), all[0].desired, flags, parallelism);
  const paths = all.map((w) => stackPlanPath(file, w.stack, all.length));
  const missing = paths.filter((p) => !existsSync(resolve(p)));
  if (missing.length === all.length && existsSync(resolve(file)))
    throw new UserError(
      `This cdktf app has ${all.length} stacks (${all.map((s) => s.stack).join(', ')}) and ${file} is the plan of one`,
      'Choose it with --stack NAME.',
    );
  if (missing.length > 0)
    throw new UserError(
      `No saved plan for ${missing.length === 1 ? 'a stack' : 'some stacks'} of this cdktf app: ${missing.join(', ')} not found`,
      `\`backflow plan -out ${file}\` saves one file per stack (${paths.join(', ')}); apply them all with \`backflow apply ${file}\`, or one with --stack NAME.`,
    );
  const saved = new Map(all.map((w, i) => [w.stack, loadPlan(resolve(paths[i]))]));
  for (const w of all)
    await withWorkspace(
      flags,
      undefined,
      async (ws) => checkSaved(saved.get(w.stack)!, ws, await ws.backend.read()),
      w.desired,
    );
  const each = { color: flags.color, headerTo: 'stdout' as const, stopOnError: true };
  return forEachWorkspace(
    flags,
    each,
    (desired, stack) => applySavedPlan(saved.get(stack)!, desired, flags, parallelism),
    all,
  );
}

/** Refuses a saved plan that is stale for this workspace's state, configuration or secret values. */
function checkSaved(saved: LoadedPlan, ws: Workspace, prior: StateFile | null): void {
  verifyPlan(saved, prior, ws.desired.configHash, BACKFLOW_VERSION);
  const unreviewed = prior === null ? [] : unreviewedValues(saved.plan, ws.desired, prior.salt);
  if (unreviewed.length > 0) {
    throw new UserError(
      `Saved plan is stale: apply would use other values than the plan shows for ${unreviewed.join(', ')}`,
      'A secret (environment variable or secret file) changed since the plan was made. ' +
        `Run \`backflow plan --out ${saved.path}\` again, review it, and apply the new plan.`,
    );
  }
}

async function applySavedPlan(
  saved: LoadedPlan,
  desired: DesiredState,
  flags: ApplyFlags,
  parallelism: number,
): Promise<number> {
  return withWorkspace(
    flags,
    'apply',
    async (ws) => {
      const prior = await ws.backend.read();
      checkSaved(saved, ws, prior);
      const plan = saved.plan;
      if (!hasChanges(plan)) {
        process.stdout.write(`${summaryLine(plan)}\n`);
        return 0;
      }
      return execute(ws, plan, prior ?? newState(BACKFLOW_VERSION), prior, flags, parallelism);
    },
    desired,
  );
}

/**
 * The state to apply on: the backend's, or — when an earlier apply could not write its state and left a
 * copy — that copy, written to the backend first (under the lock this apply holds).
 */
async function restoringErroredState(
  ws: Workspace,
): Promise<{ state: StateFile | null; recoveredJournalEntries: number }> {
  const read = await ws.backend.readWithRecovery();
  const errored = findErroredState(ws, read.state);
  if (errored === undefined) return read;
  await ws.backend.write(errored.state);
  forgetErroredState(errored.path);
  process.stderr.write(`Restored the state an earlier apply could not write (from ${errored.path}).\n`);
  return { state: errored.state, recoveredJournalEntries: 0 };
}

/** Applies `plan` on top of `base` and writes the resulting state, even after a failure. */
async function execute(
  ws: Workspace,
  plan: Plan,
  base: StateFile,
  prior: StateFile | null,
  flags: ApplyFlags,
  parallelism: number,
): Promise<number> {
  const sync = new SyncState(base, ws.backend);
  let result: ApplyResult;
  try {
    if (plan.mode === 'refresh-only')
      result = { added: 0, changed: 0, destroyed: 0, failures: [], skipped: [] };
    else {
      process.stdout.write('\n');
      result = await graceful(() =>
        applyPlan({
          plan,
          desired: ws.desired,
          state: sync,
          salt: base.salt,
          connections: ws.connections,
          parallelism,
          hooks: applyHooks(flags.color),
          stopRequested: () => interruptedBy() !== undefined,
        }),
      );
    }
  } finally {
    const final: StateFile = {
      ...sync.close(),
      serial: (prior?.serial ?? 0) + 1,
      backflow_version: BACKFLOW_VERSION,
    };
    try {
      await ws.backend.write(final);
    } catch (err) {
      // The objects made are real: keep their record where the next run finds it (errored-state.ts).
      // eslint-disable-next-line no-unsafe-finally
      throw stateNotWrittenError(err, saveErroredState(ws, final));
    }
  }
  const signal = interruptedBy();
  if (signal !== undefined) {
    process.stderr.write(
      `Apply stopped by ${signal}: state written with every finished action${result.skipped.length > 0 ? `; not started: ${result.skipped.join(', ')}` : ''}.\n`,
    );
    return exitCodeFor(signal);
  }
  for (const f of result.failures)
    printError(new UserError(`${f.address}: ${stripAddress(f.message, f.address)}`, f.hint), flags.color);
  if (result.failures.length > 0) {
    if (result.skipped.length > 0)
      process.stderr.write(`Not started because apply stopped: ${result.skipped.join(', ')}\n`);
    return 1;
  }
  process.stdout.write('\n' + applySummary(result, plan.mode, { color: flags.color }) + '\n');
  return 0;
}

function stripAddress(message: string, address: string): string {
  return message.startsWith(`${address}: `) ? message.slice(address.length + 2) : message;
}

function parseParallelism(text: string | undefined): number {
  if (text === undefined) return 10;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`-parallelism must be a whole number of at least 1, got "${text}"`);
  return n;
}
