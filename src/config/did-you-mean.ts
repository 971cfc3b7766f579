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
  const match = didYouMean(word, candidates);
  return match === undefined ? '' : `; did you mean ${JSON.stringify(match)}?`;
}
