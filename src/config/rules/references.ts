/**
 * Every reference names a declared resource of the right type.
 */
import { error, type Diagnostic } from '../../diagnostics';
import { parseAddress, RESOURCE_TYPES } from '../../graph/address';
import { referenceAt, REFERENCE_FIELDS } from '../../graph/references';
import { listSome, SUGGESTION_BUDGET, Suggester } from '../did-you-mean';
import { resourcesOf, type RuleContext } from './context';

export function referencesExist(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Names by type, gathered once, and one shared did-you-mean budget: a config with thousands of broken
  // references must not rescan (and edit-distance) every declared name once per error.
  const names = new Map<string, string[]>();
  const namesOf = (type: string): string[] => {
    let list = names.get(type);
    if (list === undefined) {
      list = [...ctx.declared.keys()]
        .filter((a) => a.startsWith(`${type}.`))
        .map((a) => a.slice(type.length + 1));
      names.set(type, list);
    }
    return list;
  };
  const budget = { left: SUGGESTION_BUDGET };
  const suggesters = new Map<string, Suggester>();
  const suggesterOf = (type: string): Suggester => {
    let s = suggesters.get(type);
    if (s === undefined) {
      s = new Suggester(namesOf(type), budget);
      suggesters.set(type, s);
    }
    return s;
  };

  for (const resource of ctx.resources.values()) {
    for (const { path, target } of REFERENCE_FIELDS[resource.type]) {
      const value = referenceAt(resource.attributes, path);
      if (value === undefined) continue;
      // Located and named only when reported: positions cost a syntax tree, and valid references are the
      // norm (20,000 resources ask here; nothing is built for them).
      if (!value.includes('.') && ctx.declared.has(`${target}.${value}`)) continue;
      const at = (): ReturnType<RuleContext['at']> => ctx.at(resource.address, path);
      const field = path.join('.');
      if (value.includes('.')) {
        // Same-type prefixes were stripped during normalisation: any address left points at another type.
        const parsed = parseAddress(value);
        out.push(
          error(
            parsed === undefined
              ? `${resource.address}: ${field} "${value}" is not a ${target} name or address`
              : `${resource.address}: ${field} must reference a ${target}, but "${value}" is a ${parsed.type}`,
            { ...at(), detail: `Write the ${target}'s name, e.g. "${namesOf(target)[0] ?? 'name'}".` },
          ),
        );
        continue;
      }
      const near = suggesterOf(target).suggestion(value);
      const detail = missingDetail(ctx, value, target, namesOf(target), near !== '');
      out.push(error(`${resource.address}: ${target} "${value}" does not exist${near}`, { ...at(), detail }));
    }
  }
  return out;
}

/** Declared names listed in a "does not exist" error; the rest are counted. */
const DECLARED_LISTED = 10;

function missingDetail(
  ctx: RuleContext,
  value: string,
  target: string,
  declared: string[],
  suggested: boolean,
): string | undefined {
  const elsewhere = RESOURCE_TYPES.filter((t) => t !== target && ctx.declared.has(`${t}.${value}`));
  if (elsewhere.length > 0) return `"${value}" is a ${elsewhere.join(' and a ')}, not a ${target}.`;
  if (suggested) return undefined;
  if (declared.length === 0) return `No ${target} is declared.`;
  return `Declared: ${listSome(
    declared.slice(0, DECLARED_LISTED + 1).map((n) => `${target}.${n}`),
    DECLARED_LISTED,
    declared.length,
  )}.`;
}

/** A dbt model's Git sync must belong to the model's own source: its relations live in that warehouse. */
export function dbtModelOnSameSource(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const model of resourcesOf(ctx, 'model')) {
    const gitSyncName = referenceAt(model.attributes, ['dbt_model', 'git_sync']);
    const gitSync = gitSyncName === undefined ? undefined : ctx.resources.get(`git_sync.${gitSyncName}`);
    const modelSource = referenceAt(model.attributes, ['source']);
    const syncSource = gitSync === undefined ? undefined : referenceAt(gitSync.attributes, ['source']);
    // A model source that does not exist is referencesExist's to report.
    if (gitSync === undefined || syncSource === undefined || syncSource === modelSource) continue;
    if (!ctx.declared.has(`source.${modelSource}`)) continue;
    out.push(
      error(
        `${model.address}: git_sync "${gitSyncName}" belongs to source "${syncSource}", but the model reads source "${modelSource}"`,
        {
          ...ctx.at(model.address, ['dbt_model', 'git_sync']),
          detail: 'Use a Git sync connected to the same source.',
        },
      ),
    );
  }
  return out;
}
