/**
 * "Did you mean" suggestions for misspelt field names, enum values and references.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word`, when it is close enough to be a plausible typo: two edits (a swap of two
 * letters is two), up to three for long words, one for words of one or two letters; so `primay_key` finds
 * `primary_key` and `evn` finds `env`, but `foo` finds nothing in a list of unrelated names.
 */
export function didYouMean(word: string, candidates: readonly string[] | Set<string>): string | undefined {
  const limit = word.length <= 2 ? 1 : word.length >= 9 ? 3 : 2;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    // Case-only differences (`Primary_Key`) are the most likely typo of all.
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0.5 : distance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (bestDistance <= limit) return best;
  // A field written short (`managed` for `managed_schema`) is too far in edits but plainly meant.
  if (word.length < 4) return undefined;
  const prefixed = [...candidates].filter((c) => c.startsWith(word)).sort((a, b) => a.length - b.length);
  return prefixed[0];
}

/** `; did you mean "x"?` or the empty string, to append to a message. */
export function suggestion(word: string, candidates: readonly string[] | Set<string>): string {
  return suggestionText(didYouMean(word, candidates));
}

function suggestionText(match: string | undefined): string {
  return match === undefined ? '' : `; did you mean ${JSON.stringify(match)}?`;
}

/**
 * Comparisons (word × candidate) one validation run may spend on suggestions: about a tenth of a second.
 * A config with thousands of broken references against thousands of names would otherwise cost their
 * product (20,000 × 20,000 edit distances: minutes).
 */
export const SUGGESTION_BUDGET = 2_000_000;

/**
 * Suggestions against one fixed list of candidates, for a rule that reports many misspellings: each word
 * is looked up once, and the edit-distance work of all lookups together stays within a budget (after
 * which words get no suggestion; the errors themselves are unchanged).
 */
export class Suggester {
  private readonly memo = new Map<string, string | undefined>();
  private readonly candidates: readonly string[];

  constructor(
    candidates: readonly string[] | ReadonlySet<string>,
    private readonly budget: { left: number } = { left: SUGGESTION_BUDGET },
  ) {
    this.candidates = Array.isArray(candidates) ? candidates : [...candidates];
  }

  /** `; did you mean "x"?`, or the empty string when nothing is close or the budget is spent. */
  suggestion(word: string): string {
    return suggestionText(this.match(word));
  }

  match(word: string): string | undefined {
    if (this.memo.has(word)) return this.memo.get(word);
    if (this.budget.left < this.candidates.length) return undefined;
    this.budget.left -= this.candidates.length;
    const found = didYouMean(word, this.candidates);
    this.memo.set(word, found);
    return found;
  }
}

/**
 * `a, b, c, d, e and 1,234 more`: names the first `first` items and counts the rest, so an error message
 * stays short whatever the size of the workspace.
 */
export function listSome(items: readonly string[], first = 5, total = items.length): string {
  if (total <= first) return items.slice(0, first).join(', ');
  return `${items.slice(0, first).join(', ')} and ${(total - first).toLocaleString('en-US')} more`;
}
