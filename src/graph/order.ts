/**
 * Dependency ordering. Nodes are addresses; `deps(a)` lists what must come before `a`. Cycles are reported
 * with the whole chain (`sync.a -> sync.b -> sync.a`).
 */

export interface CycleError {
  chain: string[];
}

/**
 * Topological order (dependencies first), stable with respect to the input order. Edges to nodes that are
 * not in `nodes` are ignored (the caller reports unknown references separately).
 */
export function topoSort(
  nodes: readonly string[],
  deps: (node: string) => readonly string[],
): { order: string[]; cycles: CycleError[] } {
  const present = new Set(nodes);
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const cycles: CycleError[] = [];
  const seenCycles = new Set<string>();

  // Iterative DFS: workspaces of tens of thousands of resources must not blow the call stack.
  for (const root of nodes) {
    if (state.has(root)) continue;
    const stack: { node: string; next: number; edges: readonly string[] }[] = [];
    const path: string[] = [];
    const onPath = new Map<string, number>(); // node -> index in path: a long chain is not rescanned per cycle
    const push = (node: string): void => {
      state.set(node, 'visiting');
      onPath.set(node, path.length);
      path.push(node);
      stack.push({ node, next: 0, edges: deps(node) });
    };
    push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.edges.length) {
        const dep = top.edges[top.next++];
        if (!present.has(dep)) continue;
        const s = state.get(dep);
        if (s === undefined) push(dep);
        else if (s === 'visiting') {
          const chain = [...path.slice(onPath.get(dep)), dep];
          const key = [...chain.slice(0, -1)].sort().join('|');
          if (!seenCycles.has(key)) {
            seenCycles.add(key);
            cycles.push({ chain });
          }
        }
      } else {
        stack.pop();
        onPath.delete(path.pop()!);
        state.set(top.node, 'done');
        order.push(top.node);
      }
    }
  }
  return { order, cycles };
}
