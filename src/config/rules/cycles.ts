/**
 * The dependency graph has no cycles (e.g. syncs scheduled after each other in a ring).
 */
import { error, type Diagnostic } from '../../diagnostics';
import { cycleText } from '../../graph/cycle-text';
import { topoSort } from '../../graph/order';
import { referenceAt, REFERENCE_FIELDS } from '../../graph/references';
import type { DesiredResource } from '../desired';
import type { RuleContext } from './context';

export function noDependencyCycles(ctx: RuleContext): Diagnostic[] {
  // topoSort reports every cycle with its chain, at a cost (per-root bookkeeping) that a config of 20,000
  // resources feels; an acyclic graph, the norm, is recognised by the plain walk below, which finds a
  // cycle exactly when topoSort would.
  if (!hasCycle(ctx.resources)) return [];
  const nodes = [...ctx.resources.keys()];
  const { cycles } = topoSort(nodes, (a) => ctx.resources.get(a)?.dependsOn ?? []);
  return cycles.map(({ chain }) => {
    const [from, to] = chain;
    const resource = ctx.resources.get(from);
    // Point at the reference that makes the first edge of the cycle.
    const field =
      resource === undefined
        ? undefined
        : REFERENCE_FIELDS[resource.type].find(
            (f) => `${f.target}.${referenceAt(resource.attributes, f.path) ?? ''}` === to,
          );
    return error(`dependency cycle: ${cycleText(chain)}`, {
      ...ctx.at(from, field?.path),
      detail: 'Resources in a cycle can never run after one another. Break one of the references.',
    });
  });
}

const VISITING = 1;
const DONE = 2;

/**
 * Whether following `dependsOn` (edges to addresses that are not resources ignored, as topoSort ignores
 * them) ever comes back to a resource still on the path: an iterative depth-first walk.
 */
export function hasCycle(resources: ReadonlyMap<string, DesiredResource>): boolean {
  const state = new Map<string, number>();
  const edges: (readonly string[])[] = [];
  const next: number[] = [];
  const names: string[] = [];
  for (const [root, resource] of resources) {
    if (state.has(root)) continue;
    state.set(root, VISITING);
    names.push(root);
    edges.push(resource.dependsOn);
    next.push(0);
    while (names.length > 0) {
      const top = names.length - 1;
      const deps = edges[top];
      if (next[top] < deps.length) {
        const dep = deps[next[top]++];
        const seen = state.get(dep);
        if (seen === VISITING) return true;
        if (seen !== undefined) continue;
        const target = resources.get(dep);
        if (target === undefined) continue;
        state.set(dep, VISITING);
        names.push(dep);
        edges.push(target.dependsOn);
        next.push(0);
      } else {
        state.set(names[top], DONE);
        names.pop();
        edges.pop();
        next.pop();
      }
    }
  }
  return false;
}
