/**
 * `.dbtignore`: gitignore syntax (dbt uses pathspec's `gitwildmatch`), patterns relative to the project
 * folder, matched by the `ignore` package (the gitignore implementation ESLint and isomorphic-git use):
 * comments, `!` negation, escapes, folder-only patterns, anchoring, `*`, `?`, classes and `**`. As in Git, a
 * file inside an ignored folder stays ignored even when a later `!` pattern names it.
 */
import ignore from 'ignore';

export interface IgnoreMatcher {
  /** Whether `path` (relative to the project folder, POSIX) is ignored. */
  ignores(path: string): boolean;
}

export function parseDbtignore(text: string): IgnoreMatcher {
  const matcher = ignore().add(text);
  return { ignores: (path: string) => matcher.ignores(path) };
}

export const NO_IGNORE: IgnoreMatcher = { ignores: () => false };
