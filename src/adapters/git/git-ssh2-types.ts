/**
 * The small part of the `ssh2` package the SSH transport uses, typed here (the package ships no types).
 * `loadSsh2()` requires it lazily, so workspaces without SSH Git syncs never load it.
 */
import type { EventEmitter } from 'node:events';
import type { Duplex, Readable } from 'node:stream';

export interface Ssh2ParsedKey {
  type: string;
  getPublicSSH(): Buffer;
}

export interface Ssh2Channel extends Duplex {
  stderr: Readable;
}

export interface Ssh2ConnectConfig {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  passphrase?: string;
  readyTimeout?: number;
  hostVerifier?: (key: Buffer) => boolean;
  algorithms?: { serverHostKey?: string[] | { remove?: string[]; prepend?: string[] } };
  ident?: string;
}

export interface Ssh2Client extends EventEmitter {
  connect(config: Ssh2ConnectConfig): this;
  exec(command: string, callback: (err: Error | undefined, channel: Ssh2Channel) => void): boolean;
  end(): this;
  setNoDelay(noDelay?: boolean): this;
}

export interface Ssh2Module {
  Client: new () => Ssh2Client;
  utils: { parseKey(data: string | Buffer, passphrase?: string): Ssh2ParsedKey | Ssh2ParsedKey[] | Error };
}

export function loadSsh2(): Ssh2Module {
  return require('ssh2') as Ssh2Module;
}
