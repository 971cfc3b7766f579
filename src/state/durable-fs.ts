/**
 * Crash-safe file replacement. Users lose state when a file is rewritten in place and the process or the
 * machine dies halfway; a rename within one directory is atomic, so a reader sees the old file or the new
 * one, never a mix. The fsyncs make the new content and the rename itself survive a power loss.
 */
import * as fs from 'node:fs';
import { dirname } from 'node:path';

export interface ReplaceOptions {
  /** Mode of a newly created file (0600 for plan files). */
  mode?: number;
  /** Keep the file being replaced under this path (a hard link: no copy, and no moment without `path`). */
  backupPath?: string;
}

/** Replaces `path` with `data` atomically and durably; returns the bytes written. */
export function replaceFileDurably(path: string, data: string, options: ReplaceOptions = {}): number {
  const dir = dirname(path);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  const bytes = Buffer.from(data, 'utf8');
  try {
    const fd = fs.openSync(tmp, 'w', options.mode ?? 0o666);
    try {
      writeAll(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (options.mode !== undefined) fs.chmodSync(tmp, options.mode); // umask or a leftover tmp file
    if (options.backupPath !== undefined) keepBackup(path, options.backupPath);
    fs.renameSync(tmp, path);
  } catch (err) {
    // A full disk or an I/O error leaves no half-written temp file behind; `path` is untouched.
    removeQuietly(tmp);
    throw err;
  }
  fsyncDir(dir);
  return bytes.length;
}

/** Removes a file if it is there; a failure to remove (read-only folder) is not worth a second error. */
export function removeQuietly(path: string): void {
  try {
    fs.rmSync(path, { force: true });
  } catch {
    // nothing more to do
  }
}

/** Errors that say the folder cannot take more writes, whatever Backflow does: a user must act. */
const STORAGE_ERRORS: Record<string, string> = {
  ENOSPC: 'the file system is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EIO: 'an I/O error occurred',
  ENOTDIR: 'a part of the path is not a folder',
};

/** The plain-words reason of a storage error, or undefined for anything else. */
export function storageProblem(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === undefined ? undefined : STORAGE_ERRORS[code] && `${STORAGE_ERRORS[code]} (${code})`;
}

/**
 * Points `backupPath` at the current content of `path`, if any. A rename of `path` itself would leave a
 * moment with no state file at all (a crash there reads as "no state"), so link, or copy where links fail.
 */
export function keepBackup(path: string, backupPath: string): void {
  if (!fs.existsSync(path)) return;
  const tmp = `${backupPath}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  try {
    try {
      fs.linkSync(path, tmp);
    } catch {
      fs.copyFileSync(path, tmp);
    }
    fs.renameSync(tmp, backupPath);
  } catch (err) {
    removeQuietly(tmp);
    throw err;
  }
}

/** Makes a rename or a new file in `dir` durable. Platforms that cannot fsync a directory (Windows) skip it. */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** writeSync may write less than asked (rare, but allowed): loop until everything is out. */
export function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
}
