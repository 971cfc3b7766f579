/**
 * How each action looks in every view. Typed over every `Action` so that adding an action to the plan
 * breaks the build here until the human, Markdown and JSON views say how to show it.
 */
import { ACTION_LISTS, type Action, type DriftEntry } from '../engine/plan';

/** The symbol in the left column of a diff line (`-/+` is a replacement's header). */
export type LineSymbol = '+' | '-' | '~' | '-/+' | ' ';

export interface ActionStyle {
  symbol: LineSymbol;
  /** Legend line text after the symbol (Terraform's words). */
  legend: string;
  /** Human header: `# model.x will be created`. */
  phrase: string;
  /** Markdown table label. */
  label: string;
  /** Listed in the loud Markdown block: it destroys something. */
  destructive: boolean;
  /** Makes a new object, whose computed attributes are unknown until apply. */
  createsObject: boolean;
}

export const ACTION_STYLES: Record<Action, ActionStyle> = {
  create: {
    symbol: '+',
    legend: 'create',
    phrase: 'will be created',
    label: 'Create',
    destructive: false,
    createsObject: true,
  },
  update: {
    symbol: '~',
    legend: 'update in-place',
    phrase: 'will be updated in-place',
    label: 'Update in-place',
    destructive: false,
    createsObject: false,
  },
  replace: {
    symbol: '-/+',
    legend: 'destroy and then create replacement',
    phrase: 'must be replaced',
    label: 'Replace',
    destructive: true,
    createsObject: true,
  },
  delete: {
    symbol: '-',
    legend: 'destroy',
    phrase: 'will be destroyed',
    label: 'Destroy',
    destructive: true,
    createsObject: false,
  },
  'no-op': {
    symbol: ' ',
    legend: 'no change',
    phrase: 'has no changes',
    label: 'No change',
    destructive: false,
    createsObject: false,
  },
};

/** Display rank in legends and tables (Terraform's legend order); a Record, so no action is forgotten. */
const RANK: Record<Action, number> = { create: 0, update: 1, replace: 2, delete: 3, 'no-op': 4 };
export const ACTION_ORDER: readonly Action[] = (Object.keys(RANK) as Action[]).sort(
  (a, b) => RANK[a] - RANK[b],
);

export type DriftKind = DriftEntry['kind'];

export const DRIFT_STYLES: Record<DriftKind, { actions: string[]; symbol: LineSymbol; phrase: string }> = {
  changed: { actions: ['update'], symbol: '~', phrase: 'has changed' },
  deleted: { actions: ['delete'], symbol: '-', phrase: 'has been deleted' },
};

/** The JSON plan carries Terraform's action lists; views map them back to one action. */
export function actionFromList(actions: readonly string[]): Action {
  const key = actions.join(',');
  for (const action of ACTION_ORDER) if (ACTION_LISTS[action].join(',') === key) return action;
  throw new Error(`internal: unknown action list [${key}]`);
}

export function driftKindFromList(actions: readonly string[]): DriftKind {
  return actions.includes('delete') ? 'deleted' : 'changed';
}

/** The header phrase of a change: Terraform says `will be replaced, as requested` after `-replace=ADDR`. */
export function changePhrase(action: Action, reason: string | undefined): string {
  return action === 'replace' && reason === 'replace_by_request'
    ? 'will be replaced, as requested'
    : ACTION_STYLES[action].phrase;
}
