/** Appends `value` to the list at `key` (in place: adding n values costs O(n), not O(n²)). */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
