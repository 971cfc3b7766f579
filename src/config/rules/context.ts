/**
 * What a config rule sees: the normalised resources, every declared address (including resources that
 * failed schema validation, so references to them are not reported twice), and a way to say where an
 * attribute was written. The cdktf front end supplies its own `at` and passes the same rules.
 */
import type { Diagnostic } from '../../diagnostics';
import type { ResourceType } from '../../graph/address';
import type { DesiredResource } from '../desired';

export type Location = Omit<Diagnostic, 'severity' | 'summary' | 'detail'>;

export interface RuleContext {
  resources: ReadonlyMap<string, DesiredResource>;
  /** Every declared address (the keys; the values are the front end's own declarations). */
  declared: ReadonlyMap<string, unknown>;
  /** Location of an attribute (`['schedule', 'expression']`) of a resource, or of the resource itself. */
  at(address: string, attrPath?: readonly (string | number)[]): Location;
}

/** A rule returns every problem it finds; it never throws for bad config. */
export type Rule = (ctx: RuleContext) => Diagnostic[];

/**
 * Resources by type, grouped in one pass per context: most rules ask for one type, and each asking used to
 * walk (and copy) every resource of a 20,000-resource config. A context's resources do not change while
 * its rules run; the lists are shared between rules, which only read them.
 */
const byType = new WeakMap<RuleContext, Map<ResourceType, DesiredResource[]>>();

export function resourcesOf(ctx: RuleContext, type: ResourceType): readonly DesiredResource[] {
  let groups = byType.get(ctx);
  if (groups === undefined) {
    groups = new Map();
    for (const r of ctx.resources.values()) {
      const list = groups.get(r.type);
      if (list === undefined) groups.set(r.type, [r]);
      else list.push(r);
    }
    byType.set(ctx, groups);
  }
  return groups.get(type) ?? NONE;
}

const NONE: readonly DesiredResource[] = Object.freeze([]);

/** Value at `path` of a resource's attributes. */
export function attr(resource: DesiredResource, ...path: string[]): unknown {
  let cur: unknown = resource.attributes;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
