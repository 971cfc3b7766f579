/**
 * A Mermaid flowchart of what a plan changes, for the pull-request comment (GitHub and GitLab draw
 * ```mermaid blocks). Only changed resources are drawn, coloured by action; an arrow is apply order, from
 * the change that finishes first to the one that waits for it (`depends_on`): a source before its models
 * before their syncs when they are created, the other way round when they are destroyed. A plan too large to draw one box per resource is drawn one box per type and action, with
 * counts, so the diagram stays readable and small whatever the plan.
 */
import type { Action, ResourceChange } from '../engine/plan';
import { ACTION_STYLES } from './actions';
import { groupDigits } from './text';

/** Above this many changed resources, one box per (type, action) instead of one per resource. */
export const DIAGRAM_MAX_NODES = 40;

/** GitHub's light-theme diff colours, so the boxes match the diff blocks below them. */
const CLASS_DEFS: Record<Exclude<Action, 'no-op'>, string> = {
  create: 'fill:#dafbe1,stroke:#1a7f37,color:#1f2328',
  update: 'fill:#fff8c5,stroke:#9a6700,color:#1f2328',
  replace: 'fill:#ffebe9,stroke:#cf222e,color:#1f2328,stroke-dasharray:4 2',
  delete: 'fill:#ffebe9,stroke:#cf222e,color:#1f2328',
};

type Changed = Pick<ResourceChange, 'address' | 'type' | 'action' | 'depends_on'>;

/** The ```mermaid block, or undefined when nothing changes. */
export function changeDiagram(changes: readonly Changed[]): string | undefined {
  const changed = changes.filter((c) => c.action !== 'no-op');
  if (changed.length === 0) return undefined;
  const body = changed.length <= DIAGRAM_MAX_NODES ? perResource(changed) : perGroup(changed);
  const used = new Set(changed.map((c) => c.action));
  const classes = (Object.keys(CLASS_DEFS) as (keyof typeof CLASS_DEFS)[])
    .filter((a) => used.has(a))
    .map((a) => `  classDef ${a} ${CLASS_DEFS[a]}`);
  return ['```mermaid', 'flowchart LR', ...body, ...classes, '```'].join('\n');
}

function perResource(changed: readonly Changed[]): string[] {
  const sorted = [...changed].sort((a, b) => cmp(a.address, b.address));
  const id = new Map(sorted.map((c, i) => [c.address, `r${i}`]));
  const nodes = sorted.map(
    (c) => `  ${id.get(c.address)}["${label(symbol(c.action), c.address)}"]:::${c.action}`,
  );
  const edges: string[] = [];
  for (const c of sorted)
    for (const dep of [...c.depends_on].sort(cmp))
      if (id.has(dep)) edges.push(`  ${id.get(dep)} --> ${id.get(c.address)}`);
  return [...nodes, ...edges];
}

function perGroup(changed: readonly Changed[]): string[] {
  const key = (c: Changed): string => `${c.type}\u0000${c.action}`;
  const groups = new Map<string, { type: string; action: Action; count: number }>();
  for (const c of changed) {
    const g = groups.get(key(c)) ?? { type: c.type, action: c.action, count: 0 };
    g.count++;
    groups.set(key(c), g);
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => cmp(a, b));
  const id = new Map(sorted.map(([k], i) => [k, `g${i}`]));
  const nodes = sorted.map(
    ([k, g]) =>
      `  ${id.get(k)}["${label(symbol(g.action), `${groupDigits(g.count)} × ${g.type}: ${ACTION_STYLES[g.action].label.toLowerCase()}`)}"]:::${g.action}`,
  );
  const byAddress = new Map(changed.map((c) => [c.address, c]));
  const edges = new Set<string>();
  for (const c of changed)
    for (const dep of c.depends_on) {
      const d = byAddress.get(dep);
      if (d !== undefined && key(d) !== key(c)) edges.add(`  ${id.get(key(d))} --> ${id.get(key(c))}`);
    }
  return [...nodes, ...[...edges].sort()];
}

function symbol(action: Action): string {
  return ACTION_STYLES[action].symbol;
}

/** Text inside `["…"]`: Mermaid's entity codes for what would end the label or be read as HTML. */
function label(sym: string, text: string): string {
  return `${sym} ${text}`.replace(/[#"<>&]/g, (c) => `#${c.charCodeAt(0)};`);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
