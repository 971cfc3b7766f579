/**
 * Host key pinning from `known_hosts` content given in config, read the way OpenSSH reads the file:
 * comma-separated host patterns (`*`, `?`, `!negation`), `[host]:port` for other ports than 22, hashed
 * names (`|1|salt|hash`), `@revoked` lines. A line that is only a key (`ssh-ed25519 AAAA...`) pins that key
 * for this repository's host, whatever its name. `@cert-authority` lines are not supported (ignored).
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostEntry {
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** Host patterns, or null for a bare key line (any host). */
  patterns: string[] | null;
  /** `|1|salt|hash` hashed name. */
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  keyBlob: Buffer;
}

export interface KnownHosts {
  entries: KnownHostEntry[];
  /** Lines that could not be read (1-based numbers). */
  invalidLines: number[];
  hasCertAuthorities: boolean;
}

export type HostKeyVerdict =
  | { status: 'trusted' }
  | { status: 'unknown' | 'changed' | 'revoked'; keyType: string; fingerprint: string; keyBase64: string };

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-\S+)$/;

export function parseKnownHosts(text: string | undefined): KnownHosts {
  const entries: KnownHostEntry[] = [];
  const invalidLines: number[] = [];
  let hasCertAuthorities = false;
  (text ?? '').split(/\r?\n/).forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    let hostField: string | null = null;
    if (!KEY_TYPE.test(fields[0] ?? '')) hostField = fields.shift() ?? null;
    const [keyType, keyBase64] = fields;
    if (!keyType || !keyBase64 || !KEY_TYPE.test(keyType) || !/^[A-Za-z0-9+/]+=*$/.test(keyBase64)) {
      invalidLines.push(lineNo);
      return;
    }
    const keyBlob = Buffer.from(keyBase64, 'base64');
    if (blobKeyType(keyBlob) !== keyType) {
      invalidLines.push(lineNo);
      return;
    }
    if (marker === 'cert-authority') {
      hasCertAuthorities = true;
      return;
    }
    const entry: KnownHostEntry = { line: lineNo, marker, patterns: null, keyType, keyBlob };
    if (hostField !== null) {
      const hashed = /^\|1\|([^|]+)\|([^|]+)$/.exec(hostField);
      if (hashed) {
        entry.hashed = { salt: Buffer.from(hashed[1], 'base64'), hash: Buffer.from(hashed[2], 'base64') };
        entry.patterns = [];
      } else entry.patterns = hostField.split(',');
    }
    entries.push(entry);
  });
  return { entries, invalidLines, hasCertAuthorities };
}

/** The name known_hosts uses for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/** OpenSSH's match_hostname: any positive pattern matches and no negated one does. */
export function entryMatchesHost(entry: KnownHostEntry, name: string): boolean {
  if (entry.patterns === null) return true;
  if (entry.hashed) {
    const digest = createHmac('sha1', entry.hashed.salt).update(name).digest();
    return digest.equals(entry.hashed.hash);
  }
  let matched = false;
  for (const p of entry.patterns) {
    if (p.startsWith('!')) {
      if (globToRegExp(p.slice(1)).test(name)) return false;
    } else if (globToRegExp(p).test(name)) matched = true;
  }
  return matched;
}

/** The key type named at the start of an SSH public key blob (`ssh-ed25519`…). */
export function blobKeyType(blob: Buffer): string {
  if (blob.length < 4) return '';
  const len = blob.readUInt32BE(0);
  if (len > 64 || blob.length < 4 + len) return '';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** OpenSSH's fingerprint of a public key blob: `SHA256:` and unpadded base64. */
export function fingerprintSha256(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

export function checkHostKey(known: KnownHosts, name: string, keyBlob: Buffer): HostKeyVerdict {
  const keyType = blobKeyType(keyBlob);
  const seen = { keyType, fingerprint: fingerprintSha256(keyBlob), keyBase64: keyBlob.toString('base64') };
  const forHost = known.entries.filter((e) => entryMatchesHost(e, name));
  if (forHost.some((e) => e.marker === 'revoked' && e.keyBlob.equals(keyBlob)))
    return { status: 'revoked', ...seen };
  const pins = forHost.filter((e) => e.marker === undefined);
  if (pins.some((e) => e.keyBlob.equals(keyBlob))) return { status: 'trusted' };
  if (pins.some((e) => e.keyType === keyType)) return { status: 'changed', ...seen };
  return { status: 'unknown', ...seen };
}

const ALGORITHMS_OF_KEY_TYPE: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * Host key algorithms to ask for first: those of the keys pinned for this host, as OpenSSH does, so a
 * server with several host keys presents the one that is pinned rather than the client's favourite.
 */
export function preferredHostKeyAlgorithms(known: KnownHosts, name: string): string[] {
  const out: string[] = [];
  for (const e of known.entries) {
    if (e.marker !== undefined || !entryMatchesHost(e, name)) continue;
    for (const a of ALGORITHMS_OF_KEY_TYPE[e.keyType] ?? []) if (!out.includes(a)) out.push(a);
  }
  return out;
}
