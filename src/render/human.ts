/**
 * The terminal view of a plan, in Terraform's words and layout, so people who read `terraform plan`
 * output every day read this without thinking. Rendered from the JSON plan (like Terraform's own
 * renderer); the last line is `summaryLine(plan)`, byte for byte, unless the plan errored.
 */
import { createColors } from 'picocolors';
import { summaryLine, type Action, type DriftEntry, type Plan, type ResourceChange } from '../engine/plan';
import {
  ACTION_ORDER,
  ACTION_STYLES,
  actionFromList,
  changePhrase,
  DRIFT_STYLES,
  driftKindFromList,
  type LineSymbol,
} from './actions';
import { formatDiagnostic } from '../config/format-diagnostic';
import type { Diagnostic } from '../diagnostics';
import { resourceBlock, type DiffLine } from './diff-lines';
import { toJsonDrift, toJsonResourceChange, type JsonResourceChange } from './json-plan';
import { pauseNote, reasonNote, sanitize } from './text';
import { computedNotes } from './computed-notes';
import { wholeBlockText, type BlockMarks } from './whole-block';

type Colors = ReturnType<typeof createColors>;

export interface HumanOptions {
  /** ANSI colours; the CLI decides from NO_COLOR, --no-color and whether stdout is a TTY. */
  color: boolean;
}

export function renderHuman(plan: Plan, opts: HumanOptions): string {
  return [...humanSections(plan, opts)].join('\n\n');
}

/**
 * The same view, section by section (joined by blank lines), for a writer that streams: a plan of 20,000
 * changes starts printing at once and never exists as one string. A create or destroy is written straight
 * from its values (whole-block.ts); any other change is converted to its JSON plan form as it is reached;
 * unchanged resources are never converted.
 */
export function* humanSections(plan: Plan, opts: HumanOptions): Generator<string> {
  const c = createColors(opts.color);

  const view = newView(c);
  if (plan.resource_drift.length > 0) yield* driftSection(view, plan.resource_drift, plan.mode);

  const changes = plan.resource_changes.filter((rc) => rc.action !== 'no-op');
  if (changes.length > 0) {
    const used = new Set(changes.map((rc) => rc.action));
    const legend = ACTION_ORDER.filter((a) => used.has(a)).map(
      (a) => `${symbol(c, ACTION_STYLES[a].symbol)} ${ACTION_STYLES[a].legend}`,
    );
    yield ['Resource actions are indicated with the following symbols:', ...legend].join('\n');
    yield c.bold('Backflow will perform the following actions:');
    for (const rc of changes) yield changeText(view, rc);
  }

  // The same formatter as config errors, so every problem reads alike; fields sanitised first.
  for (const d of plan.diagnostics) yield formatDiagnostic(sanitizeDiagnostic(d), opts);
  // Uncoloured even with colour on: scripts and people grep CI logs for this exact line. None when the plan
  // errored: as Terraform, the errors are the last word (tfcmt and Atlantis read `Error:` lines then).
  if (!plan.errored) yield summaryLine(plan);
}

interface View {
  c: Colors;
  /** Each symbol's three columns, coloured once rather than once per line. */
  marks: Record<LineSymbol, string> & BlockMarks;
}

function newView(c: Colors): View {
  const marks = {} as Record<LineSymbol, string>;
  for (const s of ['+', '-', '~', '-/+', ' '] as const) marks[s] = symbol(c, s);
  return { c, marks };
}

/** One change's section: a create or destroy (nearly all of a large plan) straight from its values. */
function changeText(view: View, rc: ResourceChange): string {
  const body = wholeBlockText(rc, view.marks);
  if (body === undefined) return changeSection(view, toJsonResourceChange(rc));
  return changeHead(view.c, rc.address, rc.action, rc.reason, rc.pause_syncs, computedNotes(rc)) + body;
}

/** One change's section as `humanSections` writes it (for tests of the two paths). */
export function renderChange(rc: ResourceChange, opts: HumanOptions): string {
  return changeText(newView(createColors(opts.color)), rc);
}

/** The same section always through the JSON plan: the general path `renderChange` must agree with. */
export function renderChangeViaJsonPlan(rc: ResourceChange, opts: HumanOptions): string {
  return changeSection(newView(createColors(opts.color)), toJsonResourceChange(rc));
}

function changeSection(view: View, rc: JsonResourceChange): string {
  const action = actionFromList(rc.change.actions);
  const head = changeHead(view.c, rc.address, action, rc.action_reason, rc.pause_syncs, rc.notes ?? []);
  let out = head;
  for (const l of resourceBlock(rc, ACTION_STYLES[action].symbol)) out += '\n' + line(view, l);
  return out;
}

/** `# model.x will be created` and the notes under it, one line each (no trailing newline). */
function changeHead(
  c: Colors,
  address: string,
  action: Action,
  reason: string | undefined,
  pauseSyncs: readonly string[] | undefined,
  notes: readonly string[],
): string {
  let out = `  ${c.bold(`# ${sanitize(address)}`)} ${changePhrase(action, reason)}`;
  const why = reason === undefined ? undefined : reasonNote(address, reason);
  if (why !== undefined) out += `\n  # (${sanitize(why)})`;
  if (pauseSyncs !== undefined && pauseSyncs.length > 0) out += `\n  # (${sanitize(pauseNote(pauseSyncs))})`;
  for (const note of notes) out += `\n  # (${sanitize(note)})`;
  return out;
}

function* driftSection(view: View, drift: readonly DriftEntry[], mode: Plan['mode']): Generator<string> {
  const c = view.c;
  yield c.bold('Note: Objects have changed outside of Backflow');
  yield 'Backflow detected the following changes made outside of Backflow since the last "backflow apply" which may have affected this plan:';
  for (const entry of drift) {
    const rc = toJsonDrift(entry);
    const style = DRIFT_STYLES[driftKindFromList(rc.change.actions)];
    const head = `  ${c.bold(`# ${sanitize(rc.address)}`)} ${style.phrase}`;
    yield [head, ...resourceBlock(rc, style.symbol).map((l) => line(view, l))].join('\n');
  }
  yield mode === 'refresh-only'
    ? 'This is a refresh-only plan, so Backflow will not take any actions to undo these. If you were expecting these changes then you can apply this plan to record the updated values in the Backflow state without changing any remote objects.'
    : 'Unless you have made equivalent changes to your configuration, the following plan may include actions to undo or respond to these changes.';
}

/** Terraform's layout: the symbol right-aligned in three columns after four spaces per level. */
function line(view: View, l: DiffLine): string {
  const text = l.note === undefined ? l.text : `${l.text} ${view.c.red(l.note)}`;
  const out = `${'    '.repeat(l.depth)}${view.marks[l.symbol]} ${text}`;
  return l.text === '' ? out.trimEnd() : out;
}

function symbol(c: Colors, s: LineSymbol): string {
  const padded = s.padStart(3);
  switch (s) {
    case '+':
      return padded.replace('+', c.green('+'));
    case '-':
      return padded.replace('-', c.red('-'));
    case '~':
      return padded.replace('~', c.yellow('~'));
    case '-/+':
      return `${c.red('-')}/${c.green('+')}`;
    case ' ':
      return padded;
  }
}

function sanitizeDiagnostic(d: Diagnostic): Diagnostic {
  const out: Diagnostic = { ...d, summary: sanitize(d.summary) };
  for (const key of ['detail', 'address', 'file', 'path', 'construct'] as const) {
    const value = d[key];
    if (value !== undefined) out[key] = sanitize(value);
  }
  return out;
}
