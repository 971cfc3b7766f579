/**
 * The plan as a pull-request comment (Atlantis/tfcmt style), rendered from the JSON plan. The first line
 * is a hidden marker so a bot can find and update its own comment; what is dangerous (errors, destroys,
 * replacements) is loud and near the top; each resource's diff folds away in <details>. Resources are
 * listed by address and nothing time-dependent is shown, so the same change always gives the same comment
 * (a bot that updates its comment in place then shows an edit only when the plan changed). The comment is
 * kept under GitHub's limit by dropping diffs from the middle (markdown-fit.ts) and, failing that, by
 * shortening lists.
 */
import type { Action, Plan } from '../engine/plan';
import { failedLine, summaryLine } from '../engine/plan';
import {
  ACTION_ORDER,
  ACTION_STYLES,
  actionFromList,
  changePhrase,
  DRIFT_STYLES,
  driftKindFromList,
} from './actions';
import { resourceBlock, type DiffLine } from './diff-lines';
import { toJsonPlan, type JsonDiagnostic, type JsonPlan, type JsonResourceChange } from './json-plan';
import { fitSegments, type BlockList, type Segment } from './markdown-fit';
import { changeDiagram } from './markdown-diagram';
import { blockquote, code, escapeHtml, fenced, inline } from './markdown-text';
import { CODE_WIDTH, splitClauses, wrapBlock, wrapRow } from './markdown-wrap';
import { diffLines } from './line-diff';
import { groupDigits, pauseNote, plural, reasonNote, sanitize } from './text';

/** Hidden first line a bot searches for to update its previous comment instead of adding one. */
export const MARKDOWN_MARKER = '<!-- backflow-plan -->';

/**
 * The marker of one workspace's comment: a cdktf app's stacks each get their own comment, updated in place.
 * A workspace name is an identifier (letters, digits, `_`, `-`, `.`): nothing in it can end the comment.
 */
export function markdownMarker(workspace?: string): string {
  if (workspace === undefined) return MARKDOWN_MARKER;
  return `<!-- backflow-plan workspace=${workspace.replace(/[^A-Za-z0-9_.-]/g, '_')} -->`;
}

/** More changed resources than this and the comment draws a diagram of them. */
export const DIAGRAM_THRESHOLD = 3;
/** GitHub's maximum comment body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65536;

export interface MarkdownOptions {
  title?: string;
  maxLength?: number;
  /** Where the plan was made, named under the title (CI fills it from its environment). */
  context?: MarkdownContext;
}

export interface MarkdownContext {
  /** The workspace planned: a cdktf stack, or a JSON config's (its pg backend's workspace, else `default`). */
  workspace?: string;
  /**
   * Whether the marker names the workspace (default: yes, when there is one). A cdktf app's stacks each have
   * their own comment; a JSON config's one comment keeps the plain marker, so comments posted before stacks
   * had their own are still found and updated.
   */
  markerNamesWorkspace?: boolean;
  /** The commit planned (the pull request's head). */
  commit?: string;
  /** The CI run that made the plan. */
  runUrl?: string;
}

/** How terse lists are at each attempt: the first level that fits wins. */
interface Level {
  /** Items listed in the table cells and alert blocks before `… and N more`. */
  listCap: number;
  /** Characters of a diagnostic's detail kept. */
  detailChars: number;
}

const LEVELS: readonly Level[] = [
  { listCap: Infinity, detailChars: Infinity },
  { listCap: 20, detailChars: 1000 },
  { listCap: 3, detailChars: 200 },
];

export function renderMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const maxLength = opts.maxLength ?? GITHUB_COMMENT_LIMIT;
  const json = toJsonPlan(plan);
  const title = (opts.title ?? 'Backflow plan').replace(/\s+/g, ' ');
  const head = header(title, opts.context ?? {});
  for (const level of LEVELS) {
    const out = fitSegments(document(plan, json, head, level, maxLength), maxLength);
    if (out !== undefined) return out;
  }
  // Not even the short lists fit (a tiny limit or thousands of diagnostics): counts only.
  return minimal(plan, json, head).slice(0, maxLength);
}

function document(plan: Plan, json: JsonPlan, head: string, level: Level, maxLength: number): Segment[] {
  // By address, not apply order: the same change gives the same comment, however the config is laid out.
  const changes = byAddress(json.resource_changes.filter((rc) => actionOf(rc) !== 'no-op'));
  const drift = byAddress(json.resource_drift);
  // The errors and their fixes first: they are what a reviewer must act on, and an errored plan has no summary.
  const [errors, warnings] = diagnosticBlocks(json.diagnostics, level);
  const segments: Segment[] = [head, ...errors, `**${statusLine(plan)}**`];
  const destructive = changes.filter((rc) => ACTION_STYLES[actionOf(rc)].destructive);
  if (destructive.length > 0) {
    const items = destructive.map((rc) => `- ${code(rc.address)} ${ACTION_STYLES[actionOf(rc)].phrase}`);
    const head = `**${plural(destructive.length, 'resource')} will be destroyed or replaced:**`;
    segments.push(blockquote(['[!CAUTION]', head, ...capList(items, level.listCap)].join('\n')));
  }
  segments.push(...warnings);
  if (changes.length > 0) segments.push(table(changes, level));
  // A picture helps once there is more than a glance's worth; the tersest level (a huge plan that barely
  // fits) leaves it out to make room.
  if (changes.length > DIAGRAM_THRESHOLD && level.listCap > 3) {
    const diagram = changeDiagram(plan.resource_changes);
    if (diagram !== undefined) segments.push(diagram);
  }
  if (drift.length > 0) {
    segments.push('### Changed outside of Backflow');
    segments.push(details(drift.map(driftDetails), 'object', maxLength));
  }
  if (changes.length > 0) {
    segments.push('### Changes');
    segments.push(details(changes.map(changeDetails), 'resource', maxLength));
  }
  return segments;
}

function header(title: string, ctx: MarkdownContext): string {
  const about: string[] = [];
  if (ctx.workspace !== undefined) about.push(`Workspace ${code(ctx.workspace)}`);
  // A full commit hash: GitHub and GitLab turn it into a link to the commit.
  if (ctx.commit !== undefined)
    about.push(`commit ${/^[0-9a-f]{7,64}$/i.test(ctx.commit) ? ctx.commit : code(ctx.commit)}`);
  if (ctx.runUrl !== undefined && /^https?:\/\/[^\s()<>]+$/.test(ctx.runUrl))
    about.push(`[CI run](${ctx.runUrl})`);
  const marker = markdownMarker(ctx.markerNamesWorkspace === false ? undefined : ctx.workspace);
  const lines = [marker, `## ${inline(title)}`];
  if (about.length > 0) lines.push('', `<sub>${about.join(' · ')}</sub>`);
  return lines.join('\n');
}

function minimal(plan: Plan, json: JsonPlan, head: string): string {
  const counts = ACTION_ORDER.filter((a) => a !== 'no-op')
    .map((a) => [a, json.resource_changes.filter((rc) => actionOf(rc) === a).length] as const)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `- ${ACTION_STYLES[a].label}: ${groupDigits(n)}`);
  const errors = json.diagnostics.filter((d) => d.severity === 'error').length;
  return [
    head,
    `**${statusLine(plan)}**`,
    ...(errors > 0 ? [`> [!CAUTION]\n> **${plural(errors, 'error')}: this plan cannot be applied.**`] : []),
    counts.join('\n'),
    'This plan is too large to show here. Run `backflow plan` locally, or see the JSON plan (`backflow plan --json`).',
  ]
    .filter((s) => s !== '')
    .join('\n\n');
}

/** Error and warning alerts, apart: errors go first of all, warnings after the destroy alert. */
function diagnosticBlocks(diagnostics: JsonDiagnostic[], level: Level): [string[], string[]] {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  const errorHead = `**${plural(errors.length, 'error')}: this plan cannot be applied.**`;
  const warningHead = `**${plural(warnings.length, 'warning')}:**`;
  return [
    errors.length > 0 ? [alert('CAUTION', errorHead, errors, level)] : [],
    warnings.length > 0 ? [alert('WARNING', warningHead, warnings, level)] : [],
  ];
}

function alert(kind: 'CAUTION' | 'WARNING', head: string, list: JsonDiagnostic[], level: Level): string {
  const items = list.map((d) => diagnostic(d, level));
  return blockquote(
    [`[!${kind}]`, head, ...capList(items, level.listCap).flatMap((item) => ['', item])].join('\n'),
  );
}

/** One diagnostic: its summary, where it is, and its detail verbatim in a text block. */
function diagnostic(d: JsonDiagnostic, level: Level): string {
  const word = d.severity === 'error' ? 'Error' : 'Warning';
  const lines = [`**${word}: ${inline(d.summary)}**`];
  const where: string[] = [];
  if (d.address !== undefined) where.push(code(d.address));
  if (d.range !== undefined)
    where.push(code(d.range.filename) + (d.range.start ? ` line ${d.range.start.line}` : ''));
  if (d.path !== undefined) where.push(code(d.path));
  if (where.length > 0) lines.push(where.join(' · '));
  if (d.detail.trim() !== '') {
    const detail =
      d.detail.length > level.detailChars ? d.detail.slice(0, level.detailChars) + '…' : d.detail;
    lines.push(fenced('text', wrapBlock(detail, CODE_WIDTH - 2)));
  }
  return lines.join('\n');
}

function table(changes: JsonResourceChange[], level: Level): string {
  const rows = ['| Action | Count | Resources |', '| --- | ---: | --- |'];
  for (const action of ACTION_ORDER) {
    const addresses = changes.filter((rc) => actionOf(rc) === action).map((rc) => code(rc.address));
    if (addresses.length === 0) continue;
    const shown = capList(addresses, level.listCap, (n) => `… and ${groupDigits(n)} more`);
    rows.push(`| ${ACTION_STYLES[action].label} | ${groupDigits(addresses.length)} | ${shown.join(', ')} |`);
  }
  return rows.join('\n');
}

function changeDetails(rc: JsonResourceChange): string {
  const style = ACTION_STYLES[actionOf(rc)];
  const notes: string[] = [];
  const reason = rc.action_reason === undefined ? undefined : reasonNote(rc.address, rc.action_reason);
  if (reason !== undefined) notes.push(`_(${inline(reason)})_`);
  if (rc.pause_syncs !== undefined) notes.push(`⏸️ ${pauseNote(rc.pause_syncs.map(code))}.`);
  for (const note of rc.notes ?? []) notes.push(`_(${inline(note)})_`);
  const phrase = changePhrase(actionOf(rc), rc.action_reason);
  return detailsBlock(`${summaryCode(rc.address)} ${phrase}`, notes, resourceBlock(rc, style.symbol));
}

function driftDetails(rc: JsonResourceChange): string {
  const style = DRIFT_STYLES[driftKindFromList(rc.change.actions)];
  return detailsBlock(`${summaryCode(rc.address)} ${style.phrase}`, [], resourceBlock(rc, style.symbol));
}

/** The blank line after <summary> is what lets GitHub render Markdown (the fence) inside <details>. */
function detailsBlock(summary: string, notes: string[], lines: DiffLine[]): string {
  const body = fenced('diff', lines.flatMap(diffRows).join('\n'));
  return [
    `<details><summary>${summary}</summary>`,
    '',
    ...notes.flatMap((n) => [n, '']),
    body,
    '',
    '</details>',
  ].join('\n');
}

/**
 * The symbol first, at column 0, which is what GitHub's and GitLab's `diff` highlighting keys on: `+` green,
 * `-` red, `!` orange. Terraform's `~` is not coloured, so a changed block's line gets `!`, and a changed
 * value becomes its old line (`-`) and its new line (`+`); a long string is compared clause by clause.
 * Every row is cut to CODE_WIDTH.
 */
function diffRows(l: DiffLine): string[] {
  const indent = '    '.repeat(l.depth);
  const note = l.note === undefined ? '' : ` ${l.note}`;
  const symbol = l.symbol === '~' ? '!' : l.symbol;
  const c = l.change;
  if (c === undefined) return wrapRow(symbol, indent, l.text + note);
  const room = CODE_WIDTH - 4 - indent.length - c.prefix.length;
  const clauses =
    c.strings !== undefined && Math.max(c.before.length, c.after.length) > room
      ? c.strings.map(splitClauses)
      : undefined;
  // A long value with clauses (SQL) is compared clause by clause; one without (a URL) is cut to width.
  if (clauses !== undefined && Math.max(clauses[0].length, clauses[1].length) > 1) {
    const inner = '    '.repeat(l.depth + 1);
    const ops = diffLines(clauses[0], clauses[1]);
    return [
      ...wrapRow('!', indent, `${c.prefix.trimEnd()} # one line, shown a clause per line${note}`),
      ...ops.flatMap((op) => wrapRow(op.op, inner, sanitize(op.line))),
    ];
  }
  return [
    ...wrapRow('-', indent, c.prefix + c.before + c.suffix),
    ...wrapRow('+', indent, c.prefix + c.after + c.suffix + note),
  ];
}

function details(blocks: string[], noun: 'resource' | 'object', maxLength: number): BlockList {
  return {
    blocks,
    note: (omitted, total) =>
      `_… ${groupDigits(omitted)} of ${groupDigits(total)} ${total === 1 ? noun : noun + 's'} omitted here ` +
      `to keep this comment under the ${groupDigits(maxLength)}-character limit. Run \`backflow plan\` locally, ` +
      `or see the JSON plan (\`backflow plan --json\`), for the full diff._`,
  };
}

function capList(
  items: string[],
  cap: number,
  more = (n: number) => `- … and ${groupDigits(n)} more`,
): string[] {
  return items.length <= cap ? items : [...items.slice(0, cap), more(items.length - cap)];
}

function summaryCode(address: string): string {
  return `<code>${escapeHtml(address)}</code>`;
}

function byAddress(list: readonly JsonResourceChange[]): JsonResourceChange[] {
  return [...list].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function actionOf(rc: JsonResourceChange): Action {
  return actionFromList(rc.change.actions);
}

/** Terraform's summary line, or for an errored plan (which has none) how many errors stop it. */
function statusLine(plan: Plan): string {
  return plan.errored ? failedLine(plan) : summaryLine(plan);
}
