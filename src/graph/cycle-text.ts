/**
 * A dependency cycle as text: `a -> b -> c -> a`. A ring of thousands of resources (syncs scheduled after
 * each other) names its first hops and the hop that closes it, and counts the rest, so the error stays a
 * few lines long whatever the size of the workspace.
 */
const SHOWN_HOPS = 10;

export function cycleText(chain: readonly string[]): string {
  if (chain.length <= SHOWN_HOPS + 2) return chain.join(' -> ');
  const hidden = chain.length - SHOWN_HOPS - 2;
  const head = chain.slice(0, SHOWN_HOPS).join(' -> ');
  const tail = chain.slice(-2).join(' -> ');
  return `${head} -> … (${hidden.toLocaleString('en-US')} more) … -> ${tail}`;
}
