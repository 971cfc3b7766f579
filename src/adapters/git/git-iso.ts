/**
 * isomorphic-git, required lazily (a workspace without Git syncs never loads it), with Node's fs.
 */
import * as fs from 'node:fs';
import { webcrypto } from 'node:crypto';
import type * as IsoGit from 'isomorphic-git';

export type IsoGitModule = typeof IsoGit;

let loaded: IsoGitModule | undefined;
let sha1Probed: Promise<void> | undefined;

export function isoGit(): IsoGitModule {
  loaded ??= require('isomorphic-git') as IsoGitModule;
  return loaded;
}

/**
 * Makes isomorphic-git hash with its synchronous SHA-1 rather than WebCrypto's. Indexing a received pack
 * hashes every object, and WebCrypto's `digest` is asynchronous: one thread-pool round trip per object,
 * about 200 ms of a 3,000-object clone that takes 180 ms without it. isomorphic-git picks WebCrypto after
 * a one-time probe (the SHA-1 of an empty input); this answers that probe, and only that call, with a
 * rejection, as a runtime without SHA-1 in WebCrypto would. Every other digest call goes through as is,
 * and the method is restored before this returns.
 */
export function preferSyncSha1(): Promise<void> {
  sha1Probed ??= (async () => {
    const subtle = webcrypto?.subtle as (typeof webcrypto.subtle & Record<string, unknown>) | undefined;
    if (!subtle || typeof subtle.digest !== 'function') return;
    const original = subtle.digest;
    const probe = (algorithm: unknown, data: ArrayBufferView | ArrayBuffer) =>
      algorithm === 'SHA-1' && data.byteLength === 0
        ? Promise.reject(new Error('WebCrypto SHA-1 not used by isomorphic-git'))
        : original.call(subtle, algorithm as string, data);
    Object.defineProperty(subtle, 'digest', { value: probe, configurable: true, writable: true });
    try {
      await isoGit().hashBlob({ object: new Uint8Array(0) });
    } finally {
      Reflect.deleteProperty(subtle, 'digest');
    }
  })();
  return sha1Probed;
}

export { fs };

/** isomorphic-git's object cache: parsed pack indexes shared by the reads of one operation. */
export type ObjectCache = Record<string, unknown>;
