/** Types for git-ssh-server.js (plain CommonJS). */
export interface TestKey {
  path: string;
  privateKey: string;
  /** `type base64 comment` */
  publicKey: string;
  /** `SHA256:...` as ssh-keygen prints it. */
  fingerprint: string;
}

export interface SshServer {
  host: string;
  port: number;
  user: string;
  dir: string;
  hostKeys: { type: string; publicKey: string; fingerprint: string }[];
  knownHosts(type?: string): string;
  url(repoPath: string): string;
  log(): string;
  stop(): Promise<void>;
}

export function findSshd(): string | undefined;
export function ensureSshd(): { sshd: string; reason?: undefined } | { sshd?: undefined; reason: string };
export function generateKey(
  dir: string,
  name: string,
  options?: { type?: 'ed25519' | 'rsa' | 'ecdsa'; format?: 'openssh' | 'pem'; passphrase?: string },
): Promise<TestKey>;
export function startSshServer(options?: { sshd?: string; authorizedKeys?: string[] }): Promise<SshServer>;
export function privateTempDir(prefix: string): string;
