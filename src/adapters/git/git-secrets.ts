/**
 * Last line of defence against a secret in a message: every message built from a server's or library's
 * words goes through a scrubber that knows the spec's secret values (token, private key, passphrase).
 */
import { UserError } from '../../errors';
import { replaceWholeValue } from '../../secret-text';
import type { GitCredentials } from './git-types';

export type Scrub = (text: string) => string;

/** Pieces worth hiding: the whole value and, for multi-line secrets (keys), each long line. */
function pieces(secret: string): string[] {
  const out = [secret];
  if (secret.includes('\n')) {
    for (const line of secret.split(/\r?\n/)) if (line.trim().length >= 12) out.push(line.trim());
  }
  return out;
}

export function scrubberFor(credentials: GitCredentials | undefined): Scrub {
  const values = [credentials?.token, credentials?.private_key, credentials?.passphrase];
  const hidden = values
    .filter((s): s is string => typeof s === 'string' && s.length >= 4)
    .flatMap(pieces)
    .sort((a, b) => b.length - a.length);
  // Also hide the Basic credentials header a token becomes (base64 of "user:token").
  return (text: string) => {
    let out = text;
    for (const s of hidden) out = replaceWholeValue(out, s);
    return out.replace(/(Authorization:\s*Basic\s+)[A-Za-z0-9+/=]+/gi, '$1***');
  };
}

/** A UserError whose message and hint went through `scrub`. */
export function scrubbedError(scrub: Scrub, message: string, hint?: string): UserError {
  return new UserError(scrub(message), hint === undefined ? undefined : scrub(hint));
}
