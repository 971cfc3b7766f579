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
  declared: ReadonlySet<string>;
  /** Location of an attribute (`['schedule', 'expression']`) of a resource, or of the resource itself. */
  at(address: string, attrPath?: readonly (string | number)[]): Location;
}

/** A rule returns every problem it finds; it never throws for bad config. */
export type Rule = (ctx: RuleContext) => Diagnostic[];

export function resourcesOf(ctx: RuleContext, type: ResourceType): DesiredResource[] {
  return [...ctx.resources.values()].filter((r) => r.type === type);
}

/** Value at `path` of a resource's attributes. */
export function attr(resource: DesiredResource, ...path: string[]): unknown {
  let cur: unknown = resource.attributes;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
