/**
 * Sorting the short string lists of a plan (a change's attribute names and dependencies) without
 * Array.prototype.sort, which allocates a work array and sort state per call: over 1 KB for each of the two
 * sorts of every change, 27 MB of garbage in a plan of 20,000 new resources.
 */

/** Lists at most this long are sorted by insertion; longer ones by Array.prototype.sort. */
const INSERTION_MAX = 16;

/**
 * `list`, sorted in place in the order of Array.prototype.sort() without a comparator (UTF-16 code units,
 * the order of `<` on strings), and returned.
 */
export function sortStrings(list: string[]): string[] {
  if (list.length > INSERTION_MAX) return list.sort();
  for (let i = 1; i < list.length; i++) {
    const x = list[i];
    let j = i - 1;
    for (; j >= 0 && list[j] > x; j--) list[j + 1] = list[j];
    list[j + 1] = x;
  }
  return list;
}
