/**
 * `backflow plan`: refresh, diff and show what apply would do, for a terminal, a pull-request comment or a
 * machine. `-out FILE` saves it for `backflow apply FILE`.
 */
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { DesiredState } from '../../config/desired';
import { UserError } from '../../errors';
import { planWorkspace, type PlanOptions } from '../../engine/plan-workspace';
import { hasChanges, type Plan, type PlanMode } from '../../engine/plan';
import { humanSections } from '../../render/human';
import {
  JSON_PLAN_FORMAT_VERSION,
  renderJson,
  toJsonDiagnostic,
  type JsonPlan,
} from '../../render/json-plan';
import type { Diagnostic } from '../../diagnostics';
import { BACKFLOW_VERSION } from '../../version';
import { diagnosticsOf } from './validate';
import { printError } from '../output';
import { newState } from '../../state/state';
import type { StateFile } from '../../state/types';
import { hint } from '../automation';
import { refreshHooks } from '../progress';
import { writeSections } from '../write-sections';
import { forEachWorkspace, withWorkspace, type GlobalOptions, type Workspace } from '../workspace';
import { findErroredState } from '../errored-state';

// Loaded only by the formats and flags that need them: a plain `plan` never pays for them at start-up.
const loadMarkdown = () => require('../../render/markdown') as typeof import('../../render/markdown');
const loadCiContext = () => require('../ci-context') as typeof import('../ci-context');
const loadPlanFile = () => require('../../state/plan-file') as typeof import('../../state/plan-file');

export interface PlanFlags extends GlobalOptions {
  out?: string;
  json?: boolean;
  format?: string;
  detailedExitcode?: boolean;
  target?: string[];
  replace?: string[];
  refresh?: boolean;
  refreshOnly?: boolean;
  destroy?: boolean;
  trustNewEndpoints?: boolean;
}

export function planMode(flags: { destroy?: boolean; refreshOnly?: boolean }): PlanMode {
  if (flags.destroy && flags.refreshOnly)
    throw new UserError('-destroy and -refresh-only cannot be used together');
  return flags.destroy ? 'destroy' : flags.refreshOnly ? 'refresh-only' : 'normal';
}

export function planOptions(flags: PlanFlags): PlanOptions {
  return {
    mode: planMode(flags),
    targets: flags.target ?? [],
    refresh: flags.refresh !== false,
    trustNewEndpoints: flags.trustNewEndpoints === true,
    replace: flags.replace ?? [],
  };
}

/**
 * The workspace a pull-request comment names: the stack of a cdktf app (which also gets its own comment), or
 * for a JSON config its pg backend's workspace, else Terraform's `default`.
 */
export interface CommentWorkspace {
  stack?: string;
  name?: string;
}

export function commentWorkspace(desired: DesiredState, stack: string | undefined): CommentWorkspace {
  if (stack !== undefined) return { stack, name: stack };
  return { name: desired.backend.type === 'pg' ? desired.backend.workspace : 'default' };
}

export function renderPlan(plan: Plan, format: string, color: boolean, where: CommentWorkspace = {}): string {
  switch (format) {
    case 'json':
      return renderJson(plan);
    case 'markdown':
      return loadMarkdown().renderMarkdown(plan, {
        context: {
          ...loadCiContext().ciContext(),
          ...(where.name === undefined ? {} : { workspace: where.name }),
          ...(where.stack === undefined ? { markerNamesWorkspace: false } : {}),
        },
      });
    case 'human':
      return [...humanSections(plan, { color })].join('\n\n');
    default:
      throw new UserError(`unknown --format "${format}"`, 'Use one of: human, markdown, json.');
  }
}

/** Prints a plan to stdout: the human view streams section by section; JSON stays one document, one line. */
export async function printPlan(
  plan: Plan,
  format: string,
  color: boolean,
  where: CommentWorkspace = {},
): Promise<void> {
  if (format === 'human') await writeSections(humanSections(plan, { color }));
  else await writeSections([renderPlan(plan, format, color, where)]);
}

/**
 * Where `-out FILE` saves one stack's plan when it plans several stacks of a cdktf app: the stack's name
 * before the extension (`plan.bin` → `plan.production.bin`), so `apply plan.bin` finds every stack's plan
 * again. One workspace (JSON config, or `--stack NAME`) is saved to FILE itself.
 */
export function stackPlanPath(file: string, stack: string | undefined, count = 2): string {
  if (stack === undefined || count === 1) return file;
  const ext = extname(file);
  return join(dirname(file), `${basename(file, ext)}.${stack}${ext}`);
}

const FORMATS = ['human', 'markdown', 'json'];

export async function planCommand(flags: PlanFlags): Promise<number> {
  const format = flags.json ? 'json' : (flags.format ?? 'human');
  if (!FORMATS.includes(format))
    throw new UserError(`unknown --format "${format}"`, 'Use one of: human, markdown, json.');
  const options = planOptions(flags);
  // JSON and Markdown keep stdout for their documents (one per stack): the `Stack:` headers go to stderr.
  const each = {
    color: flags.color,
    headerTo: format === 'human' ? ('stdout' as const) : ('stderr' as const),
  };
  const one = (desired: DesiredState, stack: string | undefined, count: number) =>
    format === 'markdown'
      ? markdownOne(commentWorkspace(desired, stack), flags, () =>
          planOne(desired, stack, count, flags, format, options),
        )
      : planOne(desired, stack, count, flags, format, options);
  const run = () => forEachWorkspace(flags, each, one);
  if (format === 'human') return run();
  try {
    return await run();
  } catch (err) {
    // Machines get one JSON document on stdout even when there is no plan (bad config, no state lock, an
    // unreachable backend): the diagnostics, errored, nothing applyable. A pull request gets a comment
    // saying what went wrong and how to fix it.
    if (!(err instanceof UserError)) throw err;
    if (format === 'json')
      process.stdout.write(JSON.stringify(failedPlanDocument(diagnosticsOf(err), options.mode)) + '\n');
    else return markdownFailure(err, {}, flags);
    return 1;
  }
}

/** One stack's Markdown plan, or, when it cannot be planned, its comment saying why (and the error on stderr). */
async function markdownOne(
  where: CommentWorkspace,
  flags: PlanFlags,
  fn: () => Promise<number>,
): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return markdownFailure(err, where, flags);
  }
}

async function markdownFailure(err: UserError, where: CommentWorkspace, flags: PlanFlags): Promise<number> {
  printError(err, flags.color);
  const failed: Plan = {
    format_version: '1.0',
    backflow_version: BACKFLOW_VERSION,
    created_at: new Date().toISOString(),
    mode: planMode(flags),
    options: { targets: flags.target ?? [], refresh: flags.refresh !== false },
    prior_state: null,
    config_hash: '',
    resource_changes: [],
    resource_drift: [],
    diagnostics: diagnosticsOf(err),
    summary: { add: 0, change: 0, destroy: 0 },
    errored: true,
  };
  await printPlan(failed, 'markdown', flags.color, where);
  return 1;
}

export function failedPlanDocument(diagnostics: Diagnostic[], mode: PlanMode): JsonPlan {
  return {
    format_version: JSON_PLAN_FORMAT_VERSION,
    backflow_version: BACKFLOW_VERSION,
    timestamp: new Date().toISOString(),
    mode,
    resource_changes: [],
    resource_drift: [],
    diagnostics: diagnostics.map(toJsonDiagnostic),
    summary: { add: 0, change: 0, destroy: 0 },
    errored: true,
    applyable: false,
    prior_state: null,
    config_hash: '',
  };
}

/**
 * A saved plan is signed with the salt of the state it was made against, which only those who can read the
 * state know. A workspace with no state has no salt yet: `-out` records an empty state first (serial 1, no
 * resources: for every other command the same as none), so the first saved plan is as hard to forge as
 * any later one. Plan without `-out` writes nothing.
 */
async function recordSigningKey(ws: Workspace): Promise<StateFile> {
  const empty = { ...newState(BACKFLOW_VERSION), serial: 1 };
  await ws.backend.write(empty);
  process.stderr.write(
    `No state yet: recorded an empty state in ${ws.backend.describe()} to hold the key the saved plan is signed with.\n`,
  );
  return empty;
}

/** Plans one workspace (the JSON config, or one stack of a cdktf app). */
function planOne(
  desired: DesiredState,
  stack: string | undefined,
  count: number,
  flags: PlanFlags,
  format: string,
  options: PlanOptions,
): Promise<number> {
  const open = (fn: (ws: Workspace) => Promise<number>) => withWorkspace(flags, 'plan', fn, desired);
  return open(async (ws) => {
    const stored = await ws.backend.read();
    // An apply that could not write its state left the true one aside: plan against it (errored-state.ts).
    const errored = findErroredState(ws, stored);
    if (errored !== undefined)
      process.stderr.write(
        `Warning: planning against ${errored.path}, the state an earlier apply could not write; the next apply saves it.\n`,
      );
    const prior = errored?.state ?? stored ?? (flags.out ? await recordSigningKey(ws) : null);
    const { plan, state } = await planWorkspace(ws.desired, prior, options, ws.connections, refreshHooks());
    await printPlan(plan, format, flags.color, commentWorkspace(desired, stack));
    if (plan.errored) return 1;
    if (flags.out) {
      const file = stackPlanPath(flags.out, stack, count);
      loadPlanFile().savePlan(resolve(file), plan, state);
      if (format === 'human') {
        process.stdout.write(`\nSaved the plan to: ${file}\n`);
        hint(
          `\nTo perform exactly these actions, run:\n  backflow apply ${flags.out}${stack === undefined || count > 1 ? '' : ` --stack ${stack}`}\n`,
        );
      } else if (format === 'markdown') process.stderr.write(`Saved the plan to: ${file}\n`);
    } else if (format === 'human' && hasChanges(plan) && options.mode !== 'refresh-only') {
      hint(
        '\nNote: You didn\'t use the -out option to save this plan, so Backflow can\'t guarantee to take\nexactly these actions if you run "backflow apply" now.\n',
      );
    }
    return flags.detailedExitcode && hasChanges(plan) ? 2 : 0;
  });
}
