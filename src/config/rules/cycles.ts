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
 * them) ever comes back to a resource still on the path: an iterative depth-first walk. Progress is kept
 * by resource object, not by address: an address is looked up once per edge, not three times.
 */
export function hasCycle(resources: ReadonlyMap<string, DesiredResource>): boolean {
  const state = new Map<DesiredResource, number>();
  const path: DesiredResource[] = [];
  const next: number[] = [];
  for (const root of resources.values()) {
    if (state.has(root)) continue;
    state.set(root, VISITING);
    path.push(root);
    next.push(0);
    while (path.length > 0) {
      const top = path.length - 1;
      const deps = path[top].dependsOn;
      if (next[top] < deps.length) {
        const target = resources.get(deps[next[top]++]);
        if (target === undefined) continue;
        const seen = state.get(target);
        if (seen === VISITING) return true;
        if (seen !== undefined) continue;
        state.set(target, VISITING);
        path.push(target);
        next.push(0);
      } else {
        state.set(path[top], DONE);
        path.pop();
        next.pop();
      }
    }
  }
  return false;
}
