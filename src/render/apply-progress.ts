/**
 * Apply progress lines in Terraform's words (`model.x: Creating...`, `Creation complete after 2s`), so CI
 * logs read like a Terraform apply. Each function returns one line (or a few); the CLI prints them. With
 * colour, lines are bold as Terraform's are; the CLI decides colour (NO_COLOR, TTY, --no-color).
 */
import { createColors } from 'picocolors';
import type { Action, PlanMode } from '../engine/plan';

export interface ProgressOptions {
  color?: boolean;
}

interface ProgressWords {
  /** `Creating` */
  doing: string;
  /** `Creation` */
  done: string;
}

// Over every Action so the signatures match the engine's hooks; the apply never starts a no-op, but if it
// did, "Checking" would be honest.
const WORDS: Record<Action, ProgressWords> = {
  create: { doing: 'Creating', done: 'Creation' },
  update: { doing: 'Modifying', done: 'Modifications' },
  replace: { doing: 'Replacing', done: 'Replacement' },
  delete: { doing: 'Destroying', done: 'Destruction' },
  'no-op': { doing: 'Checking', done: 'Check' },
};

export function applyStarted(address: string, action: Action, opts: ProgressOptions = {}): string {
  return bold(opts, `${address}: ${WORDS[action].doing}...`);
}

/** Terraform prints this every 10 seconds while an action runs. */
export function applyStillRunning(
  address: string,
  action: Action,
  seconds: number,
  opts: ProgressOptions = {},
): string {
  return bold(
    opts,
    `${address}: Still ${WORDS[action].doing.toLowerCase()}... [${duration(seconds)} elapsed]`,
  );
}

export function applyFinished(
  address: string,
  action: Action,
  seconds: number,
  opts: ProgressOptions = {},
): string {
  return bold(opts, `${address}: ${WORDS[action].done} complete after ${duration(seconds)}`);
}

/** Continuation lines of a multi-line message are indented under the address. */
export function applyFailed(
  address: string,
  action: Action,
  message: string,
  opts: ProgressOptions = {},
): string {
  const c = createColors(opts.color ?? false);
  const [first, ...rest] = message.split(/\r?\n/);
  const head = `${c.bold(`${address}: ${WORDS[action].done} failed:`)} ${c.red(first)}`;
  return [head, ...rest.map((l) => `  ${l}`)].join('\n');
}

/** One sync paused by an orchestrated model change (`lifecycle.on_attached_change: "pause"`). */
export function applyPausedSyncs(sync: string, model: string, opts: ProgressOptions = {}): string {
  return bold(opts, `${sync}: Paused while ${model} changes...`);
}

/** The same sync resumed: after the change, or because the change failed and the pause is rolled back. */
export function applyResumedSyncs(sync: string, model: string, opts: ProgressOptions = {}): string {
  return bold(opts, `${sync}: Resumed after the change to ${model}`);
}

export interface ApplyCounts {
  added: number;
  changed: number;
  destroyed: number;
}

export function applySummary(
  counts: ApplyCounts,
  mode: PlanMode = 'normal',
  opts: ProgressOptions = {},
): string {
  const c = createColors(opts.color ?? false);
  if (mode === 'destroy')
    return c.bold(c.green(`Destroy complete! Resources: ${counts.destroyed} destroyed.`));
  return c.bold(
    c.green(
      `Apply complete! Resources: ${counts.added} added, ${counts.changed} changed, ${counts.destroyed} destroyed.`,
    ),
  );
}

/** Go's duration format, truncated to seconds as Terraform prints it: `0s`, `42s`, `1m5s`, `1h0m3s`. */
export function duration(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

function bold(opts: ProgressOptions, text: string): string {
  return createColors(opts.color ?? false).bold(text);
}
