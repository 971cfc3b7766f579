/**
 * dbt's `modules` context object, for what a naming macro or a config value can use without a run:
 * `modules.re` (search, match, fullmatch, sub, split, findall, compile, escape, flags) over Python regular
 * expressions that JavaScript's engine reads the same way, and `modules.datetime`, whose clock-reading
 * functions (`datetime.now()`, `date.today()`...) give an unknown value — a relation named after the time
 * of the run cannot be known, so the model stays unresolved instead of getting a guessed name.
 */
import { NotStaticError } from '../errors';
import { NativeFn, pyStr, Unknown, type Value } from './evaluate';

function fail(message: string): never {
  throw new NotStaticError(message);
}

/** Python's regex syntax → JavaScript's, refusing what the two read differently. */
function jsPattern(p: Value, flags: Value | undefined, what: string): RegExp {
  if (p && typeof p === 'object' && !Array.isArray(p) && '__pattern__' in p) {
    return new RegExp((p.__pattern__ as string) ?? '', (p.__flags__ as string) ?? '');
  }
  let src = pyStr(p);
  if (/\(\?[aiLmsux]+\)|\(\?P=|\\[AZ]|\(\?#/.test(src)) {
    fail(`modules.re.${what}(): the pattern ${JSON.stringify(src)} uses Python-only syntax`);
  }
  src = src.replace(/\(\?P</g, '(?<');
  let f = 'u';
  const n = flags === undefined || flags === null ? 0 : Number(flags);
  if (n & 2) f += 'i';
  if (n & 8) f += 'm';
  if (n & 16) f += 's';
  try {
    return new RegExp(src, f);
  } catch (err) {
    return fail(`modules.re.${what}(): ${(err as Error).message}`);
  }
}

function matchObject(m: RegExpExecArray): Value {
  const groups = m.map((g) => (g === undefined ? null : g));
  return {
    group: new NativeFn('group', (args) => {
      if (args.length === 0) return groups[0];
      const picked = args.map((a) =>
        typeof a === 'number' ? (groups[a] ?? null) : (m.groups?.[pyStr(a)] ?? null),
      );
      return picked.length === 1 ? picked[0] : picked;
    }),
    groupdict: new NativeFn('groupdict', () => ({ ...(m.groups ?? {}) }) as Record<string, Value>),
    start: new NativeFn('start', () => m.index),
    end: new NativeFn('end', () => m.index + m[0].length),
  };
}

/** Python's `re.sub` replacement: `\1`, `\g<1>`, `\g<name>` → the groups; other text as is. */
function expand(repl: string, m: RegExpExecArray): string {
  return repl.replace(/\\(?:g<([^>]+)>|(\d{1,2})|(.))/g, (_all, g: string, d: string, c: string) => {
    if (g !== undefined) return (/^\d+$/.test(g) ? m[Number(g)] : m.groups?.[g]) ?? '';
    if (d !== undefined) return m[Number(d)] ?? '';
    return { n: '\n', t: '\t', '\\': '\\' }[c] ?? `\\${c}`;
  });
}

function search(re: RegExp, s: string, anchor: 'start' | 'full' | 'none'): RegExpExecArray | null {
  const src = anchor === 'none' ? re.source : anchor === 'start' ? `^(?:${re.source})` : `^(?:${re.source})$`;
  return new RegExp(src, re.flags.replace('m', anchor === 'none' ? 'm' : '')).exec(s);
}

function reModule(): Record<string, Value> {
  const finder = (anchor: 'start' | 'full' | 'none', what: string) =>
    new NativeFn(`re.${what}`, ([p, s, flags]) => {
      const m = search(jsPattern(p, flags, what), pyStr(s ?? null), anchor);
      return m ? matchObject(m) : null;
    });
  const re: Record<string, Value> = {
    IGNORECASE: 2,
    I: 2,
    MULTILINE: 8,
    M: 8,
    DOTALL: 16,
    S: 16,
    search: finder('none', 'search'),
    match: finder('start', 'match'),
    fullmatch: finder('full', 'fullmatch'),
    sub: new NativeFn('re.sub', ([p, repl, s, count = 0, flags], kw) => {
      const re = jsPattern(p, flags ?? kw.flags, 'sub');
      const text = pyStr(s ?? null);
      let left = Number(kw.count ?? count) || Infinity;
      const g = new RegExp(re.source, `${re.flags}g`);
      return text.replace(g, (...args) => {
        if (left-- <= 0) return args[0] as string;
        const groupsArg = args[args.length - 1];
        const hasNamed = typeof groupsArg === 'object' && groupsArg !== null;
        const caps = args.slice(0, hasNamed ? -3 : -2) as string[];
        const m = Object.assign([...caps], {
          index: 0,
          input: text,
          groups: hasNamed ? groupsArg : undefined,
        });
        if (repl instanceof NativeFn) return pyStr(repl.call([matchObject(m as RegExpExecArray)], {}));
        return expand(pyStr(repl ?? null), m as unknown as RegExpExecArray);
      });
    }),
    split: new NativeFn('re.split', ([p, s, maxsplit = 0, flags]) => {
      const re = jsPattern(p, flags, 'split');
      const parts = pyStr(s ?? null).split(new RegExp(re.source, `${re.flags}g`));
      const max = Number(maxsplit);
      if (max > 0 && parts.length > max + 1) fail('modules.re.split() with maxsplit is not supported');
      return parts.map((x) => (x === undefined ? null : x));
    }),
    findall: new NativeFn('re.findall', ([p, s, flags]) => {
      const re = jsPattern(p, flags, 'findall');
      const out: Value[] = [];
      for (const m of pyStr(s ?? null).matchAll(new RegExp(re.source, `${re.flags}g`))) {
        if (m.length === 1) out.push(m[0]);
        else if (m.length === 2) out.push(m[1] ?? '');
        else fail('modules.re.findall() with several groups gives tuples, which Backflow does not print');
      }
      return out;
    }),
    escape: new NativeFn('re.escape', ([s]) => pyStr(s ?? null).replace(/[^A-Za-z0-9_]/g, '\\$&')),
  };
  re.compile = new NativeFn('re.compile', ([p, flags]) => {
    const compiled = jsPattern(p, flags, 'compile');
    const bound = (name: string) =>
      new NativeFn(`pattern.${name}`, (args, kw) =>
        (re[name] as NativeFn).call(
          [{ __pattern__: compiled.source, __flags__: compiled.flags }, ...args],
          kw,
        ),
      );
    return {
      __pattern__: compiled.source,
      __flags__: compiled.flags,
      pattern: pyStr(p ?? null),
      search: bound('search'),
      match: bound('match'),
      fullmatch: bound('fullmatch'),
      findall: bound('findall'),
      split: bound('split'),
      sub: new NativeFn('pattern.sub', ([repl, s, count = 0]) =>
        (re.sub as NativeFn).call(
          [{ __pattern__: compiled.source, __flags__: compiled.flags }, repl, s, count],
          {},
        ),
      ),
    };
  });
  return re;
}

const CLOCK_HINT =
  'It reads the clock of the dbt run: a relation named after it changes with every run. Give the value as a var (git sync vars), or provide a manifest.';

function clock(what: string): NativeFn {
  return new NativeFn(what, () => new Unknown(`${what}()`, [], CLOCK_HINT));
}

function datetimeModule(): Record<string, Value> {
  const unknownArith = (what: string) =>
    new NativeFn(what, () => new Unknown(`modules.datetime.${what}(...)`, [], CLOCK_HINT));
  return {
    datetime: {
      now: clock('modules.datetime.datetime.now'),
      utcnow: clock('modules.datetime.datetime.utcnow'),
      today: clock('modules.datetime.datetime.today'),
    },
    date: { today: clock('modules.datetime.date.today') },
    timedelta: unknownArith('timedelta'),
  };
}

/** The `modules` object of dbt's context. */
export function dbtModules(): Record<string, Value> {
  return { re: reModule(), datetime: datetimeModule() };
}
