/**
 * Evaluates Jinja expression trees with Python's semantics (truthiness, `str()`, `and`/`or` returning an
 * operand) over a small environment. Anything the environment does not define — a name, an attribute, a
 * function, a filter — is not guessed: it throws `NotStaticError`, and the caller decides what that means
 * (an error naming the file, or "provide a manifest").
 */
import { NotStaticError } from '../errors';
import type { Expr } from './expr';

export type Value =
  string | number | boolean | null | Value[] | { [key: string]: Value } | NativeFn | Unknown;

/** A function the environment provides (`var`, `env_var`, `return`, a macro...). */
export class NativeFn {
  constructor(
    readonly name: string,
    readonly call: (args: Value[], kwargs: Record<string, Value>) => Value,
  ) {}
}

/**
 * A value Backflow does not know, but knows is none of `notEqualTo` (the target's name, assumed not to be
 * 'prod' unless told). `==` / `!=` against one of those is decided; any other use throws.
 */
export class Unknown {
  constructor(
    readonly what: string,
    readonly notEqualTo: readonly string[],
    readonly hint?: string,
  ) {}
}

export type Scope = (name: string) => Value | undefined;

function fail(message: string, hint?: string): never {
  throw new NotStaticError(message, hint === undefined ? {} : { hint });
}

function known(v: Value): Exclude<Value, Unknown> {
  if (v instanceof Unknown) fail(`${v.what} is not known`, v.hint);
  return v as Exclude<Value, Unknown>;
}

export function truthy(v: Value): boolean {
  v = known(v);
  if (v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && !(v instanceof NativeFn)) return Object.keys(v).length > 0;
  return true;
}

/** Python's `str()` of a value, as Jinja prints it. */
export function pyStr(v: Value): string {
  v = known(v);
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v instanceof NativeFn) fail(`the function ${v.name} cannot be printed`);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

function pyRepr(v: Value): string {
  return typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : pyStr(v);
}

export function pyEquals(a: Value, b: Value): boolean {
  if (a instanceof Unknown || b instanceof Unknown) {
    const [u, other] = a instanceof Unknown ? [a, b] : [b as Unknown, a];
    if (typeof other === 'string' && u.notEqualTo.includes(other)) return false;
    return fail(`${u.what} is not known`, u.hint);
  }
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    if (a instanceof NativeFn || b instanceof NativeFn) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && pyEquals(a[k], b[k]));
  }
  // Python: True == 1, False == 0
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof b === 'boolean' && typeof a === 'number') return Number(b) === a;
  return false;
}

function contains(container: Value, item: Value): boolean {
  container = known(container);
  if (typeof container === 'string')
    return typeof known(item) === 'string' && container.includes(item as string);
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (container && typeof container === 'object' && !(container instanceof NativeFn)) {
    return typeof item === 'string' && item in container;
  }
  return fail(`"in" needs a string, list or mapping`);
}

function str(v: Value, what: string): string {
  v = known(v);
  if (typeof v !== 'string') fail(`${what} needs a string`);
  return v;
}

function pyStrip(s: string, chars?: Value): string {
  if (chars === undefined || chars === null) return s.trim();
  const set = str(chars, 'strip');
  let a = 0;
  let b = s.length;
  while (a < b && set.includes(s[a])) a++;
  while (b > a && set.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

function replaceAll(s: string, from: Value, to: Value, count?: Value): string {
  const f = str(from, 'replace');
  const t = pyStr(to);
  if (count === undefined || count === null) return f === '' ? s : s.split(f).join(t);
  let out = s;
  let n = Number(count);
  let at = 0;
  while (n-- > 0) {
    const i = out.indexOf(f, at);
    if (i < 0) break;
    out = out.slice(0, i) + t + out.slice(i + f.length);
    at = i + t.length;
  }
  return out;
}

/** Jinja's string filters convert their input with str() first (`2 | replace('.', '_')` is '2'). */
const FILTERS: Record<string, (v: Value, args: Value[]) => Value> = {
  trim: (v, a) => pyStrip(pyStr(v), a[0]),
  lower: (v) => pyStr(v).toLowerCase(),
  upper: (v) => pyStr(v).toUpperCase(),
  replace: (v, a) => replaceAll(pyStr(v), a[0], a[1], a[2]),
  string: (v) => pyStr(v),
  // Jinja's default() only replaces an undefined value, and every name here is defined.
  default: (v) => known(v),
  d: (v) => known(v),
  join: (v, a) =>
    iterable(v, 'join')
      .map((x) => pyStr(x))
      .join(a[0] === undefined || a[0] === null ? '' : pyStr(a[0])),
  first: (v) => {
    const items = iterable(v, 'first');
    return items.length > 0 ? items[0] : fail('first of an empty list (undefined in Jinja)');
  },
  last: (v) => {
    const items = iterable(v, 'last');
    return items.length > 0 ? items[items.length - 1] : fail('last of an empty list (undefined in Jinja)');
  },
  list: (v) => {
    v = known(v);
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof NativeFn)) return Object.keys(v);
    return [...iterable(v, 'list')];
  },
  reverse: (v) => {
    v = known(v);
    if (typeof v === 'string') return [...v].reverse().join('');
    return [...iterable(v, 'reverse')].reverse();
  },
  length: (v) => {
    v = known(v);
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object' && !(v instanceof NativeFn)) return Object.keys(v).length;
    return fail('length needs a string, a list or a mapping');
  },
};

const METHODS: Record<string, (s: string, args: Value[]) => Value> = {
  strip: (s, a) => pyStrip(s, a[0]),
  lstrip: (s) => s.trimStart(),
  rstrip: (s) => s.trimEnd(),
  lower: (s) => s.toLowerCase(),
  upper: (s) => s.toUpperCase(),
  replace: (s, a) => replaceAll(s, a[0], a[1], a[2]),
  startswith: (s, a) => prefixTest(s, a[0], (x, p) => x.startsWith(p)),
  endswith: (s, a) => prefixTest(s, a[0], (x, p) => x.endsWith(p)),
  split: (s, a) => pySplit(s, a[0], a[1]),
  join: (s, a) =>
    iterable(a[0], 'join')
      .map((x) => str(x, 'join'))
      .join(s),
  title: (s) =>
    s.toLowerCase().replace(/(^|[^A-Za-z])([a-z])/g, (_m, p: string, c: string) => p + c.toUpperCase()),
  capitalize: (s) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(),
  find: (s, a) => s.indexOf(str(a[0], 'find')),
  count: (s, a) => {
    const sub = str(a[0], 'count');
    return sub === '' ? s.length + 1 : s.split(sub).length - 1;
  },
  isdigit: (s) => /^[0-9]+$/.test(s),
  isalpha: (s) => /^[A-Za-z]+$/.test(s),
  zfill: (s, a) => {
    const w = Number(a[0]);
    const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
    const body = sign ? s.slice(1) : s;
    return sign + body.padStart(w - sign.length, '0');
  },
};

/** Python's str.startswith/endswith: one prefix or a tuple (list) of them. */
function prefixTest(s: string, p: Value, f: (s: string, p: string) => boolean): boolean {
  const v = known(p);
  if (Array.isArray(v)) return v.some((x) => f(s, str(x, 'startswith')));
  return f(s, str(v, 'startswith'));
}

/** Python's str.split: no separator splits on runs of whitespace and drops empty ends. */
function pySplit(s: string, sep: Value | undefined, maxsplit: Value | undefined): string[] {
  const max = maxsplit === undefined || maxsplit === null ? -1 : Number(maxsplit);
  if (sep === undefined || sep === null) {
    const out: string[] = [];
    let rest = s.replace(/^\s+/, '');
    while (rest !== '') {
      if (max >= 0 && out.length === max) {
        out.push(rest.replace(/\s+$/, ''));
        break;
      }
      const m = /\s+/.exec(rest);
      if (!m) {
        out.push(rest);
        break;
      }
      out.push(rest.slice(0, m.index));
      rest = rest.slice(m.index + m[0].length);
    }
    return out;
  }
  const d = str(sep, 'split');
  if (d === '') fail('split() with an empty separator (Python raises ValueError)');
  const parts = s.split(d);
  if (max < 0 || parts.length <= max + 1) return parts;
  return [...parts.slice(0, max), parts.slice(max).join(d)];
}

function iterable(v: Value, what: string): Value[] {
  v = known(v);
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  return fail(`${what} needs a list`);
}

function test(v: Value, name: string): boolean {
  switch (name) {
    case 'none':
      return known(v) === null;
    case 'defined':
      return true;
    case 'undefined':
      return false;
    case 'string':
      return typeof known(v) === 'string';
    case 'number':
      return typeof known(v) === 'number';
    default:
      return fail(`the Jinja test "is ${name}" is not supported`);
  }
}

function num(v: Value, op: string): number {
  v = known(v);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return Number(v);
  return fail(`"${op}" needs numbers`);
}

/** dbt's context functions that run SQL or read the warehouse's catalog. */
const WAREHOUSE_MACROS = new Set([
  'run_query',
  'statement',
  'load_result',
  'load_relation',
  'get_columns_in_relation',
  'dbt_utils.get_column_values',
  'get_column_values',
  'get_relations_by_pattern',
  'get_relations_by_prefix',
]);

export function evaluate(e: Expr, scope: Scope): Value {
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'list':
      return e.items.map((x) => evaluate(x, scope));
    case 'dict': {
      const out: Record<string, Value> = {};
      for (const [k, v] of e.entries) out[pyStr(evaluate(k, scope))] = evaluate(v, scope);
      return out;
    }
    case 'name': {
      const v = scope(e.n);
      if (v === undefined) return fail(`"${e.n}" is not known`);
      return v;
    }
    case 'attr': {
      const o = known(evaluate(e.o, scope));
      if (o && typeof o === 'object' && !Array.isArray(o) && !(o instanceof NativeFn) && e.n in o)
        return o[e.n];
      return fail(`"${describe(e)}" is not known`);
    }
    case 'item': {
      const o = known(evaluate(e.o, scope));
      const k = known(evaluate(e.k, scope));
      if (Array.isArray(o) && typeof k === 'number') {
        const v = o[k < 0 ? o.length + k : k];
        if (v !== undefined) return v;
      } else if (o && typeof o === 'object' && !Array.isArray(o) && !(o instanceof NativeFn)) {
        const key = pyStr(k);
        if (key in o) return o[key];
      }
      return fail(`"${describe(e)}" is not known`);
    }
    case 'call': {
      const args = e.args.map((a) => evaluate(a, scope));
      const kwargs: Record<string, Value> = {};
      for (const kw of e.kwargs) {
        if (kw.name !== '**') {
          kwargs[kw.name] = evaluate(kw.value, scope);
          continue;
        }
        const spread = known(evaluate(kw.value, scope));
        if (!spread || typeof spread !== 'object' || Array.isArray(spread) || spread instanceof NativeFn) {
          fail('**arguments need a mapping');
        }
        Object.assign(kwargs, spread);
      }
      if (e.f.t === 'attr') {
        const self = evaluate(e.f.o, scope);
        if (typeof self === 'string' && e.f.n in METHODS) return METHODS[e.f.n](self, args);
      }
      if (e.f.t === 'name' && scope(e.f.n) === undefined) {
        if (WAREHOUSE_MACROS.has(e.f.n)) {
          return fail(`${e.f.n}() queries the warehouse: Backflow cannot know what it returns`);
        }
        return fail(`${e.f.n}() is a macro Backflow cannot run`);
      }
      const f = evaluate(e.f, scope);
      if (!(f instanceof NativeFn)) return fail(`"${describe(e.f)}" is not a function Backflow can call`);
      return f.call(args, kwargs);
    }
    case 'filter': {
      const f = FILTERS[e.n];
      if (!f) return fail(`the Jinja filter "${e.n}" is not supported`);
      return f(
        evaluate(e.e, scope),
        e.args.map((a) => evaluate(a, scope)),
      );
    }
    case 'test': {
      const r = test(evaluate(e.e, scope), e.n);
      return e.neg ? !r : r;
    }
    case 'not':
      return !truthy(evaluate(e.e, scope));
    case 'neg':
      return -num(evaluate(e.e, scope), '-');
    case 'cond':
      if (truthy(evaluate(e.c, scope))) return evaluate(e.a, scope);
      return e.b ? evaluate(e.b, scope) : '';
    case 'bin':
      return binary(e.op, e.l, e.r, scope);
  }
}

function binary(op: string, le: Expr, re: Expr, scope: Scope): Value {
  if (op === 'and') {
    const l = evaluate(le, scope);
    return truthy(l) ? evaluate(re, scope) : l;
  }
  if (op === 'or') {
    const l = evaluate(le, scope);
    return truthy(l) ? l : evaluate(re, scope);
  }
  const l = evaluate(le, scope);
  const r = evaluate(re, scope);
  switch (op) {
    case '==':
      return pyEquals(l, r);
    case '!=':
      return !pyEquals(l, r);
    case 'in':
      return contains(r, l);
    case 'not in':
      return !contains(r, l);
    case '~':
      return pyStr(l) + pyStr(r);
    case '+': {
      const a = known(l);
      const b = known(r);
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      return num(a, '+') + num(b, '+');
    }
    case '-':
      return num(l, '-') - num(r, '-');
    case '*':
      return num(l, '*') * num(r, '*');
    case '/': {
      // Python's true division gives a float, printed with a '.0' when whole: not told apart here, so refused.
      const q = num(l, '/') / num(r, '/');
      if (Number.isInteger(q)) return fail('a division whose result is whole (Python prints it as a float)');
      return q;
    }
    case '//':
      return Math.floor(num(l, '//') / num(r, '//'));
    case '%':
      return num(l, '%') % num(r, '%');
    case '<':
      return num(l, '<') < num(r, '<');
    case '>':
      return num(l, '>') > num(r, '>');
    case '<=':
      return num(l, '<=') <= num(r, '<=');
    case '>=':
      return num(l, '>=') >= num(r, '>=');
    default:
      return fail(`the operator "${op}" is not supported`);
  }
}

/** Short source-like text of an expression, for messages. */
export function describe(e: Expr): string {
  switch (e.t) {
    case 'name':
      return e.n;
    case 'attr':
      return `${describe(e.o)}.${e.n}`;
    case 'item':
      return `${describe(e.o)}[...]`;
    case 'call':
      return `${describe(e.f)}(...)`;
    case 'lit':
      return JSON.stringify(e.v);
    case 'filter':
      return `${describe(e.e)} | ${e.n}`;
    default:
      return 'an expression';
  }
}
