/**
 * Last line of defence against leaking a secret through an error message: every message an adapter builds
 * from a driver's or server's words goes through a scrubber that knows the source's secret values.
 */
import { UserError } from '../../errors';
import { replaceWholeValue } from '../../secret-text';

export type Scrub = (text: string) => string;

/** Pieces of `secret` worth hiding: the whole value and, for multi-line secrets (PEM keys), each long line. */
function pieces(secret: string): string[] {
  const out = [secret];
  if (secret.includes('\n')) {
    for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 12) out.push(line.trim());
  }
  return out;
}

export function scrubber(secrets: readonly (string | undefined)[]): Scrub {
  const hidden = secrets
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)
    .flatMap(pieces)
    .sort((a, b) => b.length - a.length);
  return (text: string) => {
    let out = text;
    for (const s of hidden) out = replaceWholeValue(out, s);
    return out;
  };
}

/** A UserError whose message and hint went through `scrub`. */
export function scrubbedError(scrub: Scrub, message: string, hint?: string): UserError {
  return new UserError(scrub(message), hint === undefined ? undefined : scrub(hint));
}

/** A duration for messages: `300 ms`, `10 s`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}
