/**
 * Reads a file that someone else may control (a secret file named in a pull request's config, a state or
 * saved plan handed over by CI) without trusting it: only a regular file, only up to a size limit. A FIFO
 * would block the read forever, `/dev/zero` or `/dev/urandom` would fill memory, a folder or a symlink loop
 * would surface as a raw errno; each is a `UserError` naming the file and what to do instead.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { UserError } from '../errors';
import { formatBytes } from './input-limits';

export interface BoundedReadOptions {
  /** How messages name the file, capitalised: `Secret file`, `State file`, `source.wh: secret file`. */
  what: string;
  /** How messages show the path (relative to the working folder, say); default: `path` as given. */
  shownAs?: string;
  /** Refuse files larger than this. */
  maxBytes: number;
  /** What the user should do about a missing or unreadable file (the hint's first line). */
  fix: string;
}

/** The file's bytes; throws a UserError when it is missing, not a regular file, too large or unreadable. */
export function readBoundedFile(path: string, opts: BoundedReadOptions): Buffer {
  const found = readBoundedFileIfExists(path, opts);
  if (found === undefined)
    throw new UserError(
      `${opts.what} ${opts.shownAs ?? path} cannot be read (ENOENT: it does not exist)`,
      opts.fix,
    );
  return found;
}

/** Like readBoundedFile, but undefined when nothing exists at `path` (a state not written yet). */
export function readBoundedFileIfExists(path: string, opts: BoundedReadOptions): Buffer | undefined {
  // stat first: opening some devices has effects of its own (a tape rewinds, a terminal becomes ours).
  let info: Stats;
  try {
    info = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw openError(path, err, opts);
  }
  refuseSpecial(path, info, opts);
  let fd: number;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw openError(path, err, opts);
  }
  try {
    const opened = fstatSync(fd);
    refuseSpecial(path, opened, opts);
    return readAtMost(fd, path, opened.size, opts);
  } finally {
    closeSync(fd);
  }
}

/** The file's text as UTF-8 (see readBoundedFile). */
export function readBoundedText(path: string, opts: BoundedReadOptions): string {
  return readBoundedFile(path, opts).toString('utf8');
}

function refuseSpecial(path: string, info: Stats, opts: BoundedReadOptions): void {
  if (!info.isFile()) {
    throw new UserError(
      `${opts.what} ${opts.shownAs ?? path} is not a regular file (it is ${kindOf(info)})`,
      `${opts.fix}\nBackflow reads only regular files here, so that a pipe or a device cannot hang it or fill its memory.`,
    );
  }
  if (info.size > opts.maxBytes) throw tooLarge(path, opts, `${formatBytes(info.size)}`);
}

function tooLarge(path: string, opts: BoundedReadOptions, size: string): UserError {
  return new UserError(
    `${opts.what} ${opts.shownAs ?? path} is larger than the limit of ${formatBytes(opts.maxBytes)} (${size})`,
    `${opts.fix}\nThe limits are listed under "Input limits" in Backflow's README.`,
  );
}

/** Reads to the end, but never more than maxBytes (a file can grow after its fstat). */
function readAtMost(fd: number, path: string, size: number, opts: BoundedReadOptions): Buffer {
  const cap = opts.maxBytes + 1;
  let buf = Buffer.allocUnsafe(Math.min(cap, Math.max(size + 1, 64 * 1024)));
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      if (buf.length >= cap) throw tooLarge(path, opts, 'more, and still growing');
      const bigger = Buffer.allocUnsafe(Math.min(cap, buf.length * 2));
      buf.copy(bigger, 0, 0, length);
      buf = bigger;
    }
    const n = readSync(fd, buf, length, buf.length - length, null);
    if (n === 0) break;
    length += n;
  }
  if (length > opts.maxBytes) throw tooLarge(path, opts, 'more, and still growing');
  return buf.subarray(0, length);
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  return 'not a file';
}

function openError(path: string, err: unknown, opts: BoundedReadOptions): UserError {
  const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
  const why = REASONS[code];
  return new UserError(
    `${opts.what} ${opts.shownAs ?? path} cannot be read (${why ? `${code}: ${why}` : code})`,
    opts.fix,
  );
}

const REASONS: Record<string, string> = {
  ELOOP: 'a loop of symbolic links',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a folder on its path is a file',
  ENAMETOOLONG: 'the path is too long',
};
