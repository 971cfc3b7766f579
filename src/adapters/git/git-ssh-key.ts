/**
 * Reads the configured private key in memory (OpenSSH or PEM, encrypted or not) before connecting, so a
 * missing passphrase, a wrong one or a key in the wrong field is reported as such, never with the key.
 */
import { fingerprintSha256 } from './git-known-hosts';
import { scrubbedError, type Scrub } from './git-secrets';
import type { Ssh2Module } from './git-ssh2-types';
import type { GitCredentials } from './git-types';

export interface PrivateKeyInfo {
  /** `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`… */
  type: string;
  /** Fingerprint of the matching public key, to tell a user which key was refused (public knowledge). */
  publicFingerprint: string;
}

export function readPrivateKey(
  ssh2: Ssh2Module,
  credentials: GitCredentials | undefined,
  scrub: Scrub,
  display: string,
): PrivateKeyInfo {
  const key = credentials?.private_key;
  if (key === undefined || key.trim() === '') {
    throw scrubbedError(
      scrub,
      `Git repository ${display}: protocol "ssh" needs credentials.private_key`,
      'Set credentials.private_key to a secret reference, e.g. { "file": "~/.ssh/id_ed25519" } or { "env": "GIT_SSH_KEY" }.',
    );
  }
  if (/^\s*(ssh-|ecdsa-|sk-)\S+\s+AAAA/.test(key)) {
    throw scrubbedError(
      scrub,
      `Git repository ${display}: credentials.private_key holds a public key, not a private key`,
      'Point it at the private half (id_ed25519, not id_ed25519.pub); the public half goes on the Git server as a deploy key.',
    );
  }
  const passphrase = credentials?.passphrase;
  const parsed = ssh2.utils.parseKey(key, passphrase === '' ? undefined : passphrase);
  if (parsed instanceof Error) {
    const reason = parsed.message;
    if (/no passphrase given/i.test(reason)) {
      throw scrubbedError(
        scrub,
        `Git repository ${display}: the private key is encrypted and no passphrase is configured`,
        'Set credentials.passphrase to a secret reference ({ "env": "GIT_SSH_PASSPHRASE" }).',
      );
    }
    if (passphrase && /passphrase|decrypt|integrity/i.test(reason)) {
      throw scrubbedError(
        scrub,
        `Git repository ${display}: cannot decrypt the private key: the passphrase is wrong (or the key is damaged)`,
        'Check credentials.passphrase is the passphrase of this key: `ssh-keygen -y -f KEYFILE` asks for it and prints the public key.',
      );
    }
    throw scrubbedError(
      scrub,
      `Git repository ${display}: credentials.private_key cannot be read as a private key (${reason})`,
      'Use an OpenSSH ("-----BEGIN OPENSSH PRIVATE KEY-----") or PEM ("-----BEGIN RSA PRIVATE KEY-----") key: Ed25519, ECDSA or RSA.',
    );
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  return { type: first.type, publicFingerprint: fingerprintSha256(first.getPublicSSH()) };
}
