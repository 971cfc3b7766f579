/**
 * `.dbtignore`: gitignore syntax (dbt uses pathspec's `gitwildmatch`), patterns relative to the project
 * folder. Implemented: comments, blank lines, `!` negation, `\#` / `\!` escapes, a trailing `/` for folders
 * only, a leading or inner `/` anchoring to the project folder (otherwise a pattern matches at any depth),
 * `*`, `?`, `[...]` classes, and `**` (leading, trailing, inner). As in Git, a file inside an ignored folder
 * stays ignored even when a later `!` pattern names it.
 */

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  re: RegExp;
}

function globToRegex(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const before = i === 0 || glob[i - 1] === '/';
        const after = i + 2 === glob.length || glob[i + 2] === '/';
        if (before && after) {
          if (i + 2 === glob.length) re += '.*';
          else {
            re += '(?:.*/)?';
            i += 2; // the following slash is part of the group
            continue;
          }
          i++;
          continue;
        }
      }
      re += '[^/]*';
      while (glob[i + 1] === '*') i++;
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = glob.slice(i + 1, end);
        if (cls.startsWith('!')) cls = '^' + cls.slice(1);
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) {
      re += glob[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return re;
}

function parseRule(line: string): Rule | undefined {
  let s = line.replace(/(?<!\\)\s+$/, '');
  if (s === '' || s.startsWith('#')) return undefined;
  let negate = false;
  if (s.startsWith('!')) {
    negate = true;
    s = s.slice(1);
  } else if (s.startsWith('\\!') || s.startsWith('\\#')) s = s.slice(1);
  let dirOnly = false;
  if (s.endsWith('/')) {
    dirOnly = true;
    s = s.replace(/\/+$/, '');
  }
  if (s === '') return undefined;
  const anchored = s.includes('/');
  if (s.startsWith('/')) s = s.slice(1);
  const body = globToRegex(s);
  return { negate, dirOnly, re: new RegExp(`^${anchored ? '' : '(?:.*/)?'}${body}$`) };
}

export interface IgnoreMatcher {
  /** Whether `path` (relative to the project folder, POSIX) is ignored. */
  ignores(path: string): boolean;
}

export function parseDbtignore(text: string): IgnoreMatcher {
  const rules = text
    .split(/\r?\n/)
    .map(parseRule)
    .filter((r): r is Rule => r !== undefined);
  const decide = (p: string, isDir: boolean): boolean | undefined => {
    let result: boolean | undefined;
    for (const r of rules) {
      if (r.dirOnly && !isDir) continue;
      if (r.re.test(p)) result = !r.negate;
    }
    return result;
  };
  // Files share folders: a folder's decision is worked out once.
  const dirs = new Map<string, boolean>();
  const dirIgnored = (dir: string): boolean => {
    let v = dirs.get(dir);
    if (v === undefined) {
      const slash = dir.lastIndexOf('/');
      v = (slash > 0 && dirIgnored(dir.slice(0, slash))) || decide(dir, true) === true;
      dirs.set(dir, v);
    }
    return v;
  };
  return {
    ignores(path: string) {
      if (rules.length === 0) return false;
      const slash = path.lastIndexOf('/');
      if (slash > 0 && dirIgnored(path.slice(0, slash))) return true;
      return decide(path, false) === true;
    },
  };
}

export const NO_IGNORE: IgnoreMatcher = { ignores: () => false };
