/**
 * Reads back the JSON paths `jsonPath()` writes (`$.models["my model"].schedule.days[0]`) as segments.
 */
import type { Segment } from '../config-file';

export function parseJsonPath(path: string): Segment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const out: Segment[] = [];
  let i = 1;
  while (i < path.length) {
    const rest = path.slice(i);
    const name = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    const m = name ?? index ?? quoted;
    if (m === null) return undefined;
    out.push(name !== null ? m[1] : index !== null ? Number(m[1]) : (JSON.parse(m[1]) as string));
    i += m[0].length;
  }
  return out;
}
