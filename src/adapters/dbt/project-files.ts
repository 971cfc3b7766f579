/**
 * Read access to a dbt project's files at one commit: a Git tree (the Git adapter implements this) or a
 * local folder (`folderFiles`, for tests, `backflow check --dbt-project PATH` and local repositories).
 */
import * as fs from 'node:fs';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DbtLoadError } from './errors';

/** Paths are POSIX, relative to the repository root. */
export interface ProjectFiles {
  /**
   * Every file path in the repository (an implementation may leave out folders no dbt project uses).
   * With `under` (folders, '.' for the root), only the files inside those folders are needed: a folder
   * implementation then walks just them (a monorepo's other projects cost nothing on every reload).
   */
  list(under?: readonly string[]): Promise<string[]>;
  read(path: string): Promise<string>;
  /** A content id (git blob oid, or mtime+size for a folder): same id ⇒ same content, for incremental reloads. */
  id(path: string): Promise<string>;
}

/** Folders never listed: version control internals. */
const SKIPPED_DIRS = new Set(['.git']);

/**
 * The files of a local folder. `list()` walks the folder once and notes every file's modification time,
 * size and inode, which `id()` then returns without touching the disk (a file changed after the walk is
 * seen by the next `list()`). Symbolic links are followed for files, not for folders.
 */
export function folderFiles(root: string): ProjectFiles {
  const abs = (p: string) => path.join(root, ...p.split('/'));
  let ids = new Map<string, string>();
  const idOf = (st: fs.Stats) => `${st.mtimeMs}-${st.size}-${st.ino}`;
  return {
    async list(under) {
      const found = new Map<string, string>();
      const walk = (dir: string, rel: string): void => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const relPath = rel === '' ? e.name : `${rel}/${e.name}`;
          const full = path.join(dir, e.name);
          if (e.isDirectory()) {
            if (!SKIPPED_DIRS.has(e.name)) walk(full, relPath);
          } else if (e.isFile() || e.isSymbolicLink()) {
            const st = statOrUndefined(full);
            if (st?.isFile()) found.set(relPath, idOf(st));
          }
        }
      };
      const st = statOrUndefined(root);
      if (!st?.isDirectory()) {
        throw new DbtLoadError(`${root} is not a folder`, {
          hint: 'Point Backflow at the folder of the dbt project (or of the repository holding it).',
        });
      }
      for (const rel of walkRoots(under)) {
        if (rel === '') walk(root, '');
        else if (statOrUndefined(abs(rel))?.isDirectory()) walk(abs(rel), rel);
      }
      ids = found;
      return [...found.keys()].sort();
    },
    read(p) {
      // The callback API: much less overhead per small file than fs.promises' FileHandle, still non-blocking.
      return new Promise((resolve, reject) =>
        fs.readFile(abs(p), 'utf8', (err, text) => (err ? reject(err) : resolve(text))),
      );
    },
    async id(p) {
      return ids.get(p) ?? idOf(await fsp.stat(abs(p)));
    },
  };
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/**
 * The folders to walk for `list(under)`: '' (the whole folder) without `under` or when it names the root;
 * otherwise each folder once, leaving out folders inside another one listed.
 */
function walkRoots(under: readonly string[] | undefined): string[] {
  if (under === undefined) return [''];
  const dirs = [
    ...new Set(
      under
        .map((d) => d.split('/').filter((part) => part !== '' && part !== '.'))
        // Never outside the folder: a `..` in a path from a repository's files is not followed.
        .filter((parts) => !parts.includes('..'))
        .map((parts) => parts.join('/')),
    ),
  ];
  if (dirs.includes('')) return [''];
  return dirs.sort().filter((d, i, all) => !all.slice(0, i).some((outer) => d.startsWith(`${outer}/`)));
}
