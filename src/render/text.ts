/**
 * Small text helpers shared by the views. Config values reach the terminal and PR comments, so control
 * characters in them are escaped: a query containing an ANSI escape must not recolour (or rewrite) a
 * reviewer's terminal, and `color: false` output must stay free of escapes whatever the config holds.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Escapes control characters (tabs and newlines excepted) as `\u001b`. */
export function sanitize(text: string): string {
  return text.replace(CONTROL, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** An attribute name as shown: bare when it is an identifier, quoted otherwise. */
export function formatKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
}

/** A scalar (or, rarely, a container compared against a scalar) on one line. */
export function formatScalar(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value); // escapes controls and newlines
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return sanitize(JSON.stringify(value) ?? 'null');
}

/** `a`, `a and b`, `a, b and c`. */
export function listJoin(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** 65536 → `65,536`, without depending on the host's locale data. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The note under a model change made under `on_attached_change: "pause"` (human and Markdown). */
export function pauseNote(syncs: readonly string[]): string {
  return `${listJoin(syncs)} will be paused before this change, then resumed`;
}

/** `delete_because_no_resource_config` → `because model.x is not in configuration`. */
export function reasonNote(address: string, reason: string): string | undefined {
  if (reason === 'delete_because_no_resource_config') return `because ${address} is not in configuration`;
  // The forcing attributes already say `# forces replacement`; a second note would repeat it.
  if (reason === 'replace_because_cannot_update') return undefined;
  // `will be replaced, as requested` already says it.
  if (reason === 'replace_by_request') return undefined;
  const m = /^[a-z-]+_because_(.+)$/.exec(reason);
  return m ? `because ${m[1].replace(/_/g, ' ')}` : reason.replace(/_/g, ' ');
}
