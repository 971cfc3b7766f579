/**
 * The dependency graph of a configuration as text for `backflow graph`: Graphviz DOT (as `terraform graph`
 * prints it, for `dot -Tsvg`) or a Mermaid flowchart (which GitHub and GitLab render in Markdown). An edge
 * goes from a resource to what it depends on, as in Terraform's graph. Pure.
 */
export interface GraphNode {
  address: string;
  dependsOn: readonly string[];
}

export function renderDot(nodes: readonly GraphNode[]): string {
  const sorted = [...nodes].sort((a, b) => cmp(a.address, b.address));
  const lines = ['digraph {', '  compound = "true"', '  newrank = "true"', '  subgraph "root" {'];
  for (const n of sorted) lines.push(`    ${dotId(n.address)} [label = ${dotId(n.address)}, shape = "box"]`);
  for (const n of sorted)
    for (const d of [...n.dependsOn].sort(cmp)) lines.push(`    ${dotId(n.address)} -> ${dotId(d)}`);
  lines.push('  }', '}');
  return lines.join('\n');
}

export function renderMermaid(nodes: readonly GraphNode[]): string {
  const sorted = [...nodes].sort((a, b) => cmp(a.address, b.address));
  const ids = new Map(sorted.map((n, i) => [n.address, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const n of sorted) lines.push(`  ${ids.get(n.address)}["${mermaidText(n.address)}"]`);
  for (const n of sorted)
    for (const d of [...n.dependsOn].sort(cmp)) {
      const to = ids.get(d);
      if (to !== undefined) lines.push(`  ${ids.get(n.address)} --> ${to}`);
    }
  return lines.join('\n');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dotId(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Mermaid labels are quoted; a quote inside is written as its HTML entity. */
function mermaidText(text: string): string {
  return text.replace(/"/g, '#quot;');
}
